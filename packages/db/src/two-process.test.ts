import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRepositories } from "./repos/index";
import { registerUser } from "./repos/testing";
import { openSqliteStore } from "./store/sqlite";

// The in-process race tests can only fail if the store's serialiser breaks; these run the
// two sides in two processes on one file, where only SQLite's lock keeps them apart.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-race-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let files = 0;
const child = path.join(import.meta.dirname, "store", "testing", "race-child.ts");

/** Runs `op` in two processes at once; their outcomes. */
async function race(filename: string, op: string, ...args: string[]) {
  const sides = [0, 1].map(() => {
    const p = spawn(process.execPath, ["--import", "tsx", child, filename, op, ...args], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    const ready = new Promise<void>((resolve) => {
      p.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("ready\n")) resolve();
      });
    });
    const done = new Promise<unknown>((resolve, reject) =>
      p.on("exit", (code) =>
        code === 0
          ? resolve(JSON.parse(out.split("\n").filter(Boolean).at(-1)!))
          : reject(new Error(`child exited ${code}`)),
      ),
    );
    return { p, ready, done };
  });
  await Promise.all(sides.map((s) => s.ready));
  for (const s of sides) s.p.stdin.end("go\n");
  return Promise.all(sides.map((s) => s.done));
}

async function setup() {
  const filename = path.join(tmp, `race-${++files}.sqlite`);
  const store = openSqliteStore({ filename });
  const repos = createRepositories(store);
  return { filename, store, repos };
}

describe("two processes racing on one SQLite file", () => {
  it("of two saves on one rev, exactly one wins", async () => {
    const { filename, store, repos } = await setup();
    const { user, tenant } = await registerUser(repos);
    const s = await repos.workspaceSessions.create({
      tenantId: tenant.id,
      userId: user.id,
      name: "w",
      workspacePath: "w",
    });
    const outcomes = await race(filename, "save", tenant.id, s.id);
    expect(outcomes).toEqual(expect.arrayContaining([{ ok: true }, { error: "stale_rev" }]));
    expect((await repos.workspaceSessions.getMeta(tenant.id, s.id))?.rev).toBe(1);
    await store.close();
  }, 30_000);

  it("of two registrations of one email, exactly one succeeds", async () => {
    const { filename, store, repos } = await setup();
    const outcomes = await race(filename, "register", "race@example.com");
    expect(outcomes).toEqual(expect.arrayContaining([{ ok: true }, { error: "email_taken" }]));
    expect((await repos.tenants.listActive()).items).toHaveLength(1);
    await store.close();
  }, 30_000);

  it("of two rotations of one refresh token, exactly one succeeds", async () => {
    const { filename, store, repos } = await setup();
    const { user, tenant } = await registerUser(repos);
    const auth = await repos.authSessions.create({
      tenantId: tenant.id,
      userId: user.id,
      refreshTokenHash: "a".repeat(64),
      expiresAt: "2030-01-01T00:00:00.000Z",
      refreshExpiresAt: "2030-01-01T00:00:00.000Z",
      ipAddress: "127.0.0.1",
      userAgent: "race",
    });
    const outcomes = (await race(filename, "rotate", auth.id)) as Array<{ ok?: true }>;
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    const family = await repos.authSessions.listByFamily(tenant.id, auth.tokenFamily);
    expect(family.filter((x) => x.status === "active")).toHaveLength(1);
    expect(family).toHaveLength(2);
    await store.close();
  }, 30_000);
});
