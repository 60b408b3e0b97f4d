import { describe, expect, it } from "vitest";
import { checkConsistency } from "../consistency";
import { globalKeys, tenantKeys } from "../keyspace";
import { newId } from "../models/ids";
import { planDefaults } from "../models/tenant";
import type { Store, Transaction } from "../store/types";
import { ConflictError, NotFoundError } from "./errors";
import { createRepositories } from "./index";
import { EMPTY_VALUE, encodeJson } from "./internal";
import { encodeRev, metaRecordOf, revStateOf, type StoredWorkspaceMeta } from "./stored";
import { createWorkspaceSession, errorOf, registerUser, useTestStore } from "./testing";

const ctx = useTestStore();

/** Counts the bytes each committed-or-not transaction writes, on top of a real store. */
function measuring(store: Store) {
  const perTx: number[] = [];
  const wrapped: Store = {
    kind: store.kind,
    close: () => store.close(),
    transact: (fn, opts) =>
      store.transact((tx) => {
        let bytes = 0;
        perTx.push(0);
        const at = perTx.length - 1;
        const add = (n: number) => {
          bytes += n;
          perTx[at] = bytes;
        };
        const m: Transaction = {
          get: (k) => tx.get(k),
          getRange: (b, e, o) => tx.getRange(b, e, o),
          set: (k, v) => {
            add(k.length + v.length);
            tx.set(k, v);
          },
          clear: (k) => {
            add(k.length);
            tx.clear(k);
          },
          clearRange: (b, e) => {
            add(b.length + e.length);
            tx.clearRange(b, e);
          },
          add: (k, d) => {
            add(k.length + 8);
            tx.add(k, d);
          },
        };
        return fn(m);
      }, opts),
  };
  return { store: wrapped, perTx };
}

describe("TenantRepository", () => {
  it("creates an organization with its owner, reads and updates it", async () => {
    const { user } = await registerUser(ctx.repos);
    const t = await ctx.repos.tenants.create({
      name: "Acme",
      plan: "Pro",
      owner: { userId: user.id },
    });
    expect(t).toMatchObject({ name: "Acme", type: "Organization", plan: "Pro", status: "active" });
    expect(t.settings).toEqual(planDefaults("Pro"));
    expect(await ctx.repos.tenants.getById(t.id)).toEqual(t);
    expect(await ctx.repos.users.getMembership(t.id, user.id)).toMatchObject({ role: "Admin" });

    const renamed = await ctx.repos.tenants.update(t.id, {
      name: "Acme Inc",
      settings: { maxUsers: 7 },
    });
    expect(renamed.settings.maxUsers).toBe(7);
    const upgraded = await ctx.repos.tenants.update(t.id, { plan: "Enterprise" });
    expect(upgraded.settings).toEqual(planDefaults("Enterprise"));
    expect(upgraded.name).toBe("Acme Inc");

    expect(await errorOf(ctx.repos.tenants.create({ id: t.id, name: "again" }))).toBeInstanceOf(
      ConflictError,
    );
    expect(await errorOf(ctx.repos.tenants.update("none", { name: "x" }))).toBeInstanceOf(
      NotFoundError,
    );
    expect(
      await errorOf(ctx.repos.tenants.create({ name: "x", owner: { userId: "nobody" } })),
    ).toBeInstanceOf(NotFoundError);
    expect(await ctx.repos.tenants.getById("none")).toBeNull();
  });

  it("lists active tenants in pages and drops suspended ones", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await ctx.repos.tenants.create({ name: `t${i}` })).id);
    await ctx.repos.tenants.update(ids[2]!, { status: "suspended" });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await ctx.repos.tenants.listActive({ limit: 2, cursor });
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids.filter((_, i) => i !== 2).sort());
    await ctx.repos.tenants.update(ids[2]!, { status: "active" });
    expect((await ctx.repos.tenants.listActive()).items).toHaveLength(5);
  });

  it("deletes an organization: its range and every global entry pointing into it", async () => {
    const owner = await registerUser(ctx.repos);
    const member = await registerUser(ctx.repos, { email: "member@example.com" });
    const org = await ctx.repos.tenants.create({
      name: "Org",
      plan: "Pro",
      owner: { userId: owner.user.id },
    });
    await ctx.repos.users.addMembership(org.id, member.user.id, "Developer");
    const s = await ctx.repos.authSessions.create({
      tenantId: org.id,
      userId: member.user.id,
      refreshTokenHash: "h",
      expiresAt: "2030-01-01T00:00:00.000Z",
      refreshExpiresAt: "2030-01-01T00:00:00.000Z",
    });
    await createWorkspaceSession(ctx.repos, org.id, member.user.id, {
      buffers: { a: "x".repeat(200_000) },
    });
    await ctx.repos.audit.append({ tenantId: org.id, action: "tenant.created" });

    await ctx.repos.tenants.delete(org.id);
    expect(await ctx.repos.tenants.getById(org.id)).toBeNull();
    const left = await ctx.store.transact((tx) => {
      const r = tenantKeys(org.id).root.range();
      return tx.getRange(r.begin, r.end);
    });
    expect(left).toEqual([]);
    expect(await ctx.repos.authSessions.getById(s.id)).toBeNull();
    expect(
      (await ctx.repos.users.listMembershipsOfUser(member.user.id)).map((m) => m.tenantId),
    ).toEqual([member.tenant.id]);
    expect(await ctx.repos.users.getByEmail("member@example.com")).not.toBeNull();
    expect((await ctx.repos.tenants.listActive()).items.map((t) => t.id)).not.toContain(org.id);
    await ctx.repos.tenants.delete(org.id);
  });

  it("an interrupted delete leaves a consistent keyspace, and delete again finishes it", async () => {
    const org = await ctx.repos.tenants.create({ name: "Org", plan: "Enterprise" });
    for (let i = 0; i < 12; i++) {
      const { user } = await registerUser(ctx.repos);
      await ctx.repos.users.addMembership(org.id, user.id, "Developer");
      await ctx.repos.authSessions.create({
        tenantId: org.id,
        userId: user.id,
        refreshTokenHash: "h",
        expiresAt: "2030-01-01T00:00:00.000Z",
        refreshExpiresAt: "2030-01-01T00:00:00.000Z",
      });
    }
    // The process dies after its third transaction of the delete.
    let calls = 0;
    const dying: Store = {
      kind: ctx.store.kind,
      close: () => ctx.store.close(),
      transact: (fn, opts) => {
        if (++calls > 3) return Promise.reject(new Error("process died"));
        return ctx.store.transact(fn, opts);
      },
    };
    await expect(
      createRepositories(dying).tenants.delete(org.id, { batchSize: 5 }),
    ).rejects.toThrow("process died");
    const problems = await checkConsistency(ctx.store);
    expect(problems.map((p) => p.kind)).toEqual(["tenant_deletion_incomplete"]);
    expect((await ctx.repos.tenants.getById(org.id))?.status).toBe("deleting");
    expect((await ctx.repos.tenants.listActive()).items.map((t) => t.id)).not.toContain(org.id);
    await ctx.repos.tenants.delete(org.id, { batchSize: 5 });
    expect(await ctx.repos.tenants.getById(org.id)).toBeNull();
  });

  it("deleting a Self tenant deletes its user, whose email is free again", async () => {
    const { user, tenant } = await registerUser(ctx.repos, { email: "self@example.com" });
    await createWorkspaceSession(ctx.repos, tenant.id, user.id);
    await ctx.repos.tenants.delete(tenant.id);
    expect(await ctx.repos.users.getById(user.id)).toBeNull();
    expect(await ctx.repos.users.getByEmail("self@example.com")).toBeNull();
    await registerUser(ctx.repos, { email: "self@example.com" });
  });

  it("deletes a tenant of 100k records in bounded transactions", async () => {
    const org = await ctx.repos.tenants.create({ name: "Big", plan: "Enterprise" });
    const keys = tenantKeys(org.id);
    // 300 real members (with global entries), 2,000 auth sessions, then bulk workspace data.
    const members: string[] = [];
    for (let i = 0; i < 300; i++) {
      const { user } = await registerUser(ctx.repos);
      await ctx.repos.users.addMembership(org.id, user.id, "Developer");
      members.push(user.id);
    }
    const expires = "2030-01-01T00:00:00.000Z";
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        ctx.repos.authSessions.create({
          tenantId: org.id,
          userId: members[i % members.length]!,
          refreshTokenHash: "h",
          expiresAt: expires,
          refreshExpiresAt: expires,
        }),
      ),
    );
    // Workspace sessions written directly in big batches (setting up volume, not behaviour).
    const now = new Date().toISOString();
    const sessions = 20_000;
    for (let start = 0; start < sessions; start += 2000) {
      await ctx.store.transact(async (tx) => {
        for (let i = start; i < start + 2000; i++) {
          const id = newId();
          const userId = members[i % members.length]!;
          const meta: StoredWorkspaceMeta = {
            id,
            tenantId: org.id,
            userId,
            name: `s${i}`,
            workspacePath: "p",
            tags: [],
            parentSessionId: null,
            rev: 0,
            createdAt: now,
            updatedAt: now,
            lastActiveAt: now,
            chunks: { editor: 1, terminal: 0, debug: 0, memory: 0, scrollback: 0 },
            saves: [],
          };
          tx.set(keys.wsMeta(id), encodeJson(metaRecordOf(meta)));
          tx.set(keys.wsRev(id), encodeRev(revStateOf(meta)));
          tx.set(
            keys.wsPartChunk(id, "editor", 0),
            encodeJson({ layout: "single", activeTabIndex: -1, openTabs: [] }),
          );
          tx.set(keys.wsByUser(userId, id), EMPTY_VALUE);
          tx.set(keys.wsByPath("p", id), EMPTY_VALUE);
          tx.set(keys.wsRecent(userId, Date.parse(now), id), EMPTY_VALUE);
        }
      });
    }
    const count = await ctx.store.transact(async (tx) => {
      const r = keys.root.range();
      return (await tx.getRange(r.begin, r.end)).length;
    });
    expect(count).toBeGreaterThan(100_000);
    expect(await checkConsistency(ctx.store)).toEqual([]);

    const m = measuring(ctx.store);
    await createRepositories(m.store).tenants.delete(org.id, { batchSize: 500 });
    expect(m.perTx.length).toBeGreaterThan(5);
    expect(Math.max(...m.perTx)).toBeLessThan(1_000_000);
    const left = await ctx.store.transact(async (tx) => {
      const r = keys.root.range();
      return tx.getRange(r.begin, r.end, { limit: 1 });
    });
    expect(left).toEqual([]);
    const stillMember = await ctx.store.transact((tx) =>
      tx.get(globalKeys.userTenant(members[0]!, org.id)),
    );
    expect(stillMember).toBeUndefined();
  }, 60_000);
});
