import { describe, expect, it } from "vitest";
import { checkConsistency } from "../consistency";
import { globalKeys, tenantKeys } from "../keyspace";
import { withFaults } from "../store/faults";
import { ConflictError, LimitError, NotFoundError } from "./errors";
import { createRepositories } from "./index";
import { encodeJson } from "./internal";
import { errorOf, registerUser, useTestStore } from "./testing";

const ctx = useTestStore();
const DAY = 24 * 60 * 60 * 1000;

async function org(plan: "Free" | "Starter" | "Pro" = "Starter") {
  const { user: admin } = await registerUser(ctx.repos);
  const tenant = await ctx.repos.tenants.create({
    name: "Org",
    plan,
    owner: { userId: admin.id, role: "Admin" },
  });
  return { admin, t: tenant.id };
}

describe("InvitationRepository", () => {
  it("one open invitation per address and tenant; inviting again replaces it", async () => {
    const { admin, t } = await org();
    const inv = ctx.repos.invitations;
    const first = await inv.create({
      tenantId: t,
      email: "Bob@Example.com",
      role: "Viewer",
      invitedByUserId: admin.id,
    });
    expect(first.email).toBe("bob@example.com");
    const second = await inv.create({
      tenantId: t,
      email: "bob@example.com",
      role: "Developer",
      invitedByUserId: admin.id,
    });
    expect((await inv.listByTenant(t)).items.map((i) => [i.id, i.role])).toEqual([
      [second.id, "Developer"],
    ]);
    expect((await inv.listForEmail("BOB@example.com")).map((x) => x.invitation.id)).toEqual([
      second.id,
    ]);
    // A retried create (same id) finds its own record instead of making another.
    const again = await inv.create({
      id: second.id,
      tenantId: t,
      email: "bob@example.com",
      role: "Developer",
      invitedByUserId: admin.id,
    });
    expect(again).toEqual(second);
  });

  it("an address that is already a member is ConflictError", async () => {
    const { admin, t } = await org();
    expect(
      await errorOf(
        ctx.repos.invitations.create({
          tenantId: t,
          email: admin.email,
          role: "Viewer",
          invitedByUserId: admin.id,
        }),
      ),
    ).toBeInstanceOf(ConflictError);
    expect((await ctx.repos.invitations.listByTenant(t)).items).toEqual([]);
  });

  it("accept starts the membership with the role, once, and only for the address's account", async () => {
    const { admin, t } = await org();
    const { user: bob } = await registerUser(ctx.repos, { email: "bob@example.com" });
    const { user: eve } = await registerUser(ctx.repos, { email: "eve@example.com" });
    const inv = await ctx.repos.invitations.create({
      tenantId: t,
      email: bob.email,
      role: "Manager",
      invitedByUserId: admin.id,
    });
    // Eve names Bob's address but is not Bob: not found, nothing changes.
    expect(await errorOf(ctx.repos.invitations.accept(bob.email, eve.id, inv.id))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await errorOf(ctx.repos.invitations.accept(eve.email, eve.id, inv.id))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await ctx.repos.users.getMembership(t, eve.id)).toBeNull();
    const accepted = await ctx.repos.invitations.accept(bob.email, bob.id, inv.id);
    expect(accepted.role).toBe("Manager");
    expect((await ctx.repos.users.getMembership(t, bob.id))?.role).toBe("Manager");
    // Accepting again (a retry) answers the same; Eve still cannot.
    expect(await ctx.repos.invitations.accept(bob.email, bob.id, inv.id)).toEqual(accepted);
    expect(await errorOf(ctx.repos.invitations.accept(eve.email, eve.id, inv.id))).toBeInstanceOf(
      NotFoundError,
    );
    expect(await ctx.repos.invitations.listForEmail(bob.email)).toEqual([]);
    // Once the membership has ended, the old invitation leads nowhere.
    await ctx.repos.users.removeMembership(t, bob.id);
    expect(await errorOf(ctx.repos.invitations.accept(bob.email, bob.id, inv.id))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("an accept or a create retried after an applied commit answers as the first did", async () => {
    const { admin, t } = await org("Pro");
    const faulty = withFaults(ctx.store, { seed: 7, commitUnknown: 0.5 });
    const repos = createRepositories(faulty);
    for (let i = 0; i < 12; i++) {
      const { user } = await registerUser(ctx.repos);
      const inv = await repos.invitations.create({
        tenantId: t,
        email: user.email,
        role: "Manager",
        invitedByUserId: admin.id,
      });
      const accepted = await repos.invitations.accept(user.email, user.id, inv.id);
      expect(accepted).toMatchObject({ invitationId: inv.id, tenantId: t, role: "Manager" });
      expect((await ctx.repos.users.getMembership(t, user.id))?.role).toBe("Manager");
    }
    expect(faulty.counts.commitUnknown).toBeGreaterThan(4);
  });

  it("maxUsers is checked on acceptance, and the invitation stays open when refused", async () => {
    const { user: admin, tenant } = await registerUser(ctx.repos, { plan: "Free" });
    const { user: bob } = await registerUser(ctx.repos);
    const inv = await ctx.repos.invitations.create({
      tenantId: tenant.id,
      email: bob.email,
      role: "Viewer",
      invitedByUserId: admin.id,
    });
    expect(await errorOf(ctx.repos.invitations.accept(bob.email, bob.id, inv.id))).toBeInstanceOf(
      LimitError,
    );
    expect(await ctx.repos.users.getMembership(tenant.id, bob.id)).toBeNull();
    expect((await ctx.repos.invitations.listForEmail(bob.email)).length).toBe(1);
  });

  it("decline and revoke remove it; an expired one is neither listed nor accepted", async () => {
    const { admin, t } = await org();
    const { user: bob } = await registerUser(ctx.repos);
    const now = new Date("2026-06-01T00:00:00.000Z");
    const a = await ctx.repos.invitations.create({
      tenantId: t,
      email: bob.email,
      role: "Viewer",
      invitedByUserId: admin.id,
      now,
    });
    await ctx.repos.invitations.decline(bob.email, a.id, { now });
    expect(await errorOf(ctx.repos.invitations.decline(bob.email, a.id, { now }))).toBeInstanceOf(
      NotFoundError,
    );
    const b = await ctx.repos.invitations.create({
      tenantId: t,
      email: bob.email,
      role: "Viewer",
      invitedByUserId: admin.id,
      now,
    });
    await ctx.repos.invitations.revoke(t, b.id);
    expect(await errorOf(ctx.repos.invitations.revoke(t, b.id))).toBeInstanceOf(NotFoundError);
    const c = await ctx.repos.invitations.create({
      tenantId: t,
      email: bob.email,
      role: "Viewer",
      invitedByUserId: admin.id,
      now,
    });
    const later = new Date(now.getTime() + 15 * DAY);
    expect(await ctx.repos.invitations.listForEmail(bob.email, { now: later })).toEqual([]);
    expect((await ctx.repos.invitations.listByTenant(t, { now: later })).items).toEqual([]);
    expect(
      await errorOf(ctx.repos.invitations.accept(bob.email, bob.id, c.id, { now: later })),
    ).toBeInstanceOf(NotFoundError);
    expect((await ctx.repos.invitations.listForEmail(bob.email, { now })).length).toBe(1);
  });

  it("deleting the tenant removes its invitations and the invitees' entries", async () => {
    const { admin, t } = await org();
    for (let i = 0; i < 5; i++) {
      await ctx.repos.invitations.create({
        tenantId: t,
        email: `p${i}@example.com`,
        role: "Viewer",
        invitedByUserId: admin.id,
      });
    }
    await ctx.repos.tenants.delete(t, { batchSize: 2 });
    for (let i = 0; i < 5; i++) {
      expect(await ctx.repos.invitations.listForEmail(`p${i}@example.com`)).toEqual([]);
    }
    const r = globalKeys.invitationsByEmailSpace.range();
    expect(await ctx.store.transact((tx) => tx.getRange(r.begin, r.end))).toEqual([]);
  });

  it("checkConsistency reports an invitation without its email entry, and the reverse", async () => {
    const { admin, t } = await org();
    const inv = await ctx.repos.invitations.create({
      tenantId: t,
      email: "x@example.com",
      role: "Viewer",
      invitedByUserId: admin.id,
    });
    expect(await checkConsistency(ctx.store)).toEqual([]);
    await ctx.store.transact(async (tx) => {
      tx.clear(globalKeys.invitationByEmail(inv.email, t));
      tx.set(
        globalKeys.invitationByEmail("y@example.com", t),
        encodeJson({ invitationId: "nope" }),
      );
    });
    const kinds = (await checkConsistency(ctx.store)).map((p) => p.kind).sort();
    expect(kinds).toEqual(["index_without_record", "record_without_index"]);
    await ctx.store.transact(async (tx) => {
      tx.clear(globalKeys.invitationByEmail("y@example.com", t));
      tx.clear(tenantKeys(t).invitation(inv.id));
    });
  });
});
