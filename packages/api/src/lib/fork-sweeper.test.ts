import {
  checkConsistency,
  createRepositories,
  openSqliteStore,
  type SqliteStore,
  type Store,
  tenantKeys,
} from "@hearth/db";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ABANDONED_FORK_AGE_MS, sweepAbandonedForks } from "./fork-sweeper";

let store: SqliteStore;
beforeEach(() => {
  store = openSqliteStore({ filename: ":memory:" });
});
afterEach(() => store.close());

/** The store, failing its n-th transaction as a process stopping mid-copy would. */
function stoppingAt(n: number): Store {
  let count = 0;
  return {
    kind: store.kind,
    close: () => store.close(),
    transact: (fn, opts) => {
      if (++count === n) throw new Error("the process stopped");
      return store.transact(fn, opts);
    },
  };
}

it("clears a fork copy abandoned mid-way once it is old, and leaves a recent one and finished forks", async () => {
  const repos = createRepositories(store);
  const { user, tenant } = await repos.users.createWithTenant({
    email: "ada@example.com",
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    firstName: "Ada",
    lastName: "Lovelace",
    plan: "Enterprise",
  });
  const source = await repos.workspaceSessions.create({
    tenantId: tenant.id,
    userId: user.id,
    name: "api",
    workspacePath: "api",
  });
  const buffers = Object.fromEntries(
    Array.from({ length: 200 }, (_, i) => [`f${i}.ts`, "x".repeat(1000)]),
  );
  await repos.workspaceSessions.save(tenant.id, source.id, { baseRev: source.rev, buffers });
  const done = await repos.workspaceSessions.fork(tenant.id, source.id, { name: "done" });

  const startedAt = new Date("2026-07-01T00:00:00.000Z");
  const interrupted = createRepositories(stoppingAt(3)).workspaceSessions;
  await expect(
    interrupted.fork(tenant.id, source.id, { id: "abandoned", name: "copy", now: startedAt }),
  ).rejects.toThrow("stopped");
  const r = tenantKeys(tenant.id).wsRange("abandoned");
  const leftover = () => store.transact((tx) => tx.getRange(r.begin, r.end, { limit: 1 }));
  expect(await leftover()).not.toEqual([]);

  // Soon after it started, another server may still be copying: nothing goes.
  expect(await sweepAbandonedForks(repos, new Date(startedAt.getTime() + 60_000))).toBe(0);
  expect(await leftover()).not.toEqual([]);

  const later = new Date(startedAt.getTime() + ABANDONED_FORK_AGE_MS + 60_000);
  expect(await sweepAbandonedForks(repos, later)).toBe(1);
  expect(await leftover()).toEqual([]);
  expect(await repos.workspaceSessions.getById(tenant.id, done.id)).not.toBeNull();
  expect(await repos.workspaceSessions.getById(tenant.id, source.id)).not.toBeNull();
  expect(await checkConsistency(store)).toEqual([]);
});
