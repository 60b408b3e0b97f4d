import { describe, expect, it } from "vitest";
import { checkConsistency } from "../consistency";
import { TENANT_GRANTEE, tenantKeys } from "../keyspace";
import { NotFoundError, ValidationError } from "./errors";
import { EMPTY_VALUE } from "./internal";
import { createWorkspaceSession, errorOf, registerUser, useTestStore } from "./testing";

const ctx = useTestStore();

/** An Organization with its owner and two more members, and a session of the owner. */
async function team() {
  const { user: owner, tenant } = await registerUser(ctx.repos);
  const { user: bob } = await registerUser(ctx.repos);
  const { user: carol } = await registerUser(ctx.repos);
  await ctx.repos.users.addMembership(tenant.id, bob.id, "Developer");
  await ctx.repos.users.addMembership(tenant.id, carol.id, "Viewer");
  const s = await createWorkspaceSession(ctx.repos, tenant.id, owner.id);
  return { t: tenant.id, owner, bob, carol, s };
}

describe("WorkspaceShareRepository", () => {
  it("shares with named members and the tenant; access facts follow; unshare ends them", async () => {
    const { t, owner, bob, carol, s } = await team();
    const shares = ctx.repos.workspaceShares;
    expect(await shares.accessFacts(t, s.id, bob.id)).toMatchObject({ sharedWithUser: false });
    expect(
      await shares.share(t, s.id, { userIds: [bob.id] }, { sharedByUserId: owner.id }),
    ).toEqual({ userIds: [bob.id], tenant: false });
    expect((await shares.accessFacts(t, s.id, bob.id))?.sharedWithUser).toBe(true);
    expect((await shares.accessFacts(t, s.id, carol.id))?.sharedWithUser).toBe(false);
    // Sharing again changes nothing; the owner is never a grantee.
    await shares.share(t, s.id, { userIds: [bob.id, owner.id] }, { sharedByUserId: owner.id });
    expect(await shares.sharesOf(t, s.id)).toEqual({ userIds: [bob.id], tenant: false });

    await shares.share(t, s.id, { tenant: true }, { sharedByUserId: owner.id });
    expect((await shares.accessFacts(t, s.id, carol.id))?.sharedWithUser).toBe(true);
    expect((await shares.sharedAmong(t, carol.id, [s.id, "nope"])).has(s.id)).toBe(true);

    expect(await shares.unshare(t, s.id, { userIds: [bob.id], tenant: true })).toEqual({
      userIds: [],
      tenant: false,
    });
    expect((await shares.accessFacts(t, s.id, bob.id))?.sharedWithUser).toBe(false);
    expect((await shares.accessFacts(t, s.id, carol.id))?.sharedWithUser).toBe(false);
    expect(await shares.accessFacts(t, "missing-session", bob.id)).toBeNull();
  });

  it("refuses non-members and missing sessions, writing nothing", async () => {
    const { t, owner, s } = await team();
    const { user: stranger } = await registerUser(ctx.repos);
    const by = { sharedByUserId: owner.id };
    expect(
      await errorOf(ctx.repos.workspaceShares.share(t, s.id, { userIds: [stranger.id] }, by)),
    ).toBeInstanceOf(NotFoundError);
    expect(
      await errorOf(ctx.repos.workspaceShares.share(t, "missing", { tenant: true }, by)),
    ).toBeInstanceOf(NotFoundError);
    const many = Array.from({ length: 101 }, (_, i) => `user${i}`);
    expect(
      await errorOf(ctx.repos.workspaceShares.share(t, s.id, { userIds: many }, by)),
    ).toBeInstanceOf(ValidationError);
    expect(await ctx.repos.workspaceShares.sharesOf(t, s.id)).toEqual({
      userIds: [],
      tenant: false,
    });
  });

  it("deleting the session, or its owner, ends its shares with both sides of each", async () => {
    const { t, owner, bob, s } = await team();
    const other = await createWorkspaceSession(ctx.repos, t, owner.id, { workspacePath: "o" });
    const by = { sharedByUserId: owner.id };
    await ctx.repos.workspaceShares.share(t, s.id, { userIds: [bob.id], tenant: true }, by);
    await ctx.repos.workspaceShares.share(t, other.id, { userIds: [bob.id] }, by);
    await ctx.repos.workspaceSessions.delete(t, s.id);
    expect(
      (await ctx.repos.workspaceShares.listSharedWith(t, bob.id)).items.map((m) => m.id),
    ).toEqual([other.id]);
    const keys = tenantKeys(t);
    const left = await ctx.store.transact((tx) =>
      tx.getRange(keys.wsSharesSpace.range(s.id).begin, keys.wsSharesSpace.range(s.id).end),
    );
    expect(left).toEqual([]);
    // The owner's own deletion takes their sessions' shares with it.
    await ctx.repos.users.delete(owner.id);
    const all = await ctx.store.transact((tx) =>
      tx.getRange(keys.wsSharedWithSpace.range().begin, keys.wsSharedWithSpace.range().end),
    );
    expect(all).toEqual([]);
  });

  it("listSharedWith: others' sessions, newest first, paged, the caller's own left out", async () => {
    const { t, owner, bob } = await team();
    const by = { sharedByUserId: owner.id };
    const ids: string[] = [];
    const base = Date.parse("2026-05-01T00:00:00.000Z");
    for (let i = 0; i < 5; i++) {
      const s = await createWorkspaceSession(ctx.repos, t, owner.id, {
        workspacePath: `p${i}`,
        now: new Date(base + i * 10_000),
      });
      await ctx.repos.workspaceShares.share(
        t,
        s.id,
        i % 2 ? { tenant: true } : { userIds: [bob.id] },
        by,
      );
      ids.push(s.id);
    }
    const mine = await createWorkspaceSession(ctx.repos, t, bob.id, { workspacePath: "mine" });
    await ctx.repos.workspaceShares.share(t, mine.id, { tenant: true }, { sharedByUserId: bob.id });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await ctx.repos.workspaceShares.listSharedWith(t, bob.id, { limit: 2, cursor });
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect(
      await errorOf(ctx.repos.workspaceShares.listSharedWith(t, bob.id, { cursor: "%%%" })),
    ).toBeInstanceOf(ValidationError);
  });

  it("checkConsistency reports a share without its index entry, and an entry without its share", async () => {
    const { t, owner, bob, s } = await team();
    await ctx.repos.workspaceShares.share(
      t,
      s.id,
      { userIds: [bob.id] },
      { sharedByUserId: owner.id },
    );
    expect(await checkConsistency(ctx.store)).toEqual([]);
    const keys = tenantKeys(t);
    await ctx.store.transact(async (tx) => {
      tx.clear(keys.wsSharedWith(bob.id, s.id));
      tx.set(keys.wsSharedWith(TENANT_GRANTEE, s.id), EMPTY_VALUE);
    });
    const kinds = (await checkConsistency(ctx.store)).map((p) => p.kind).sort();
    expect(kinds).toEqual(["index_without_record", "record_without_index"]);
    // Put it right, so the store ends consistent.
    await ctx.store.transact(async (tx) => {
      tx.set(keys.wsSharedWith(bob.id, s.id), EMPTY_VALUE);
      tx.clear(keys.wsSharedWith(TENANT_GRANTEE, s.id));
    });
  });
});
