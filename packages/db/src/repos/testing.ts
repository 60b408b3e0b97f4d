/** Test fixtures for the repository tests (not part of the package's surface). */
import { afterEach, beforeEach, expect } from "vitest";
import { checkConsistency } from "../consistency";
import type { Tenant } from "../models/tenant";
import type { User } from "../models/user";
import { openSqliteStore, type SqliteStore } from "../store/sqlite";
import { type CreateWorkspaceSessionInput, createRepositories, type Repositories } from "./index";

export interface TestContext {
  store: SqliteStore;
  repos: Repositories;
}

/**
 * A fresh in-memory store per test, and after each test the whole keyspace must be
 * consistent: every scenario ends with checkConsistency() reporting nothing.
 */
export function useTestStore(): TestContext {
  const ctx = {} as TestContext;
  beforeEach(() => {
    ctx.store = openSqliteStore({ filename: ":memory:" });
    ctx.repos = createRepositories(ctx.store);
  });
  afterEach(async () => {
    const problems = await checkConsistency(ctx.store);
    await ctx.store.close();
    expect(problems).toEqual([]);
  });
  return ctx;
}

let counter = 0;

export async function registerUser(
  repos: Repositories,
  overrides: { email?: string; plan?: Tenant["plan"]; firstName?: string } = {},
): Promise<{ user: User; tenant: Tenant }> {
  counter++;
  return repos.users.createWithTenant({
    email: overrides.email ?? `user${counter}@example.com`,
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    firstName: overrides.firstName ?? "Ada",
    lastName: "Lovelace",
    plan: overrides.plan ?? "Enterprise",
  });
}

/**
 * A workspace session of `userId` in `tenantId`, named "w" at path "w"; `extra` adds to or
 * overrides that input.
 */
export function createWorkspaceSession(
  repos: Repositories,
  tenantId: string,
  userId: string,
  extra: Partial<CreateWorkspaceSessionInput> = {},
) {
  return repos.workspaceSessions.create({
    tenantId,
    userId,
    name: "w",
    workspacePath: "w",
    ...extra,
  });
}

export async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the promise to reject");
}
