// One side of a race between two processes on one SQLite file: prints "ready", waits for
// a line on stdin, runs its operation through the repositories and prints the outcome as
// JSON ({ ok } or { error: reason or name }).

import { createInterface } from "node:readline";
import { createRepositories } from "../../repos/index";
import { openSqliteStore } from "../sqlite";

const [filename, op, ...args] = process.argv.slice(2);
const store = openSqliteStore({ filename: filename! });
const repos = createRepositories(store);

const run: Record<string, () => Promise<unknown>> = {
  save: () =>
    repos.workspaceSessions.save(args[0]!, args[1]!, {
      baseRev: 0,
      editor: { layout: "single", activeTabIndex: 0, openTabs: [] },
    }),
  register: () =>
    repos.users.createWithTenant({
      email: args[0]!,
      passwordHash: "$argon2id$race",
      firstName: "Race",
      lastName: String(process.pid),
    }),
  rotate: () =>
    repos.authSessions.rotate(args[0]!, {
      refreshTokenHash: String(process.pid).padStart(64, "0"),
      expiresAt: "2030-01-01T00:00:00.000Z",
      refreshExpiresAt: "2030-01-01T00:00:00.000Z",
    }),
};

process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once("line", resolve));
lines.close();
let outcome: unknown;
try {
  await run[op!]!();
  outcome = { ok: true };
} catch (err) {
  const e = err as { reason?: string; name?: string };
  outcome = { error: e.reason ?? e.name };
}
await store.close();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
