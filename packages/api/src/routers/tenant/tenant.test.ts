import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectCode, registerMember, setPlan, switchTo, useHarness } from "../../testing/harness";

const ctx = useHarness({ ada: { firstName: "Ada", lastName: "Lovelace" } });

describe("tenant procedures", () => {
  it("current is the token's tenant with the caller's role", async () => {
    const t = await (await ctx.ada.client.api()).tenant.current();
    expect(t).toMatchObject({
      id: ctx.ada.tenantId,
      name: "Ada Lovelace",
      type: "Self",
      plan: "Free",
      status: "active",
      role: "Admin",
      settings: { maxUsers: 1, maxWorkspaces: 5 },
    });
  });

  it("update renames and lowers limits, but cannot raise them above the plan", async () => {
    const api = await ctx.ada.client.api();
    const t = await api.tenant.update({ name: "Ada's", settings: { maxWorkspaces: 2 } });
    expect(t).toMatchObject({ name: "Ada's", settings: { maxWorkspaces: 2, maxUsers: 1 } });
    await api.workspace.create({ name: "1", path: "p" });
    await api.workspace.create({ name: "2", path: "p" });
    await expectCode(api.workspace.create({ name: "3", path: "p" }), "PRECONDITION_FAILED");
    const err = await expectCode(
      api.tenant.update({ settings: { maxWorkspaces: 6 } }),
      "PRECONDITION_FAILED",
    );
    expect(err.message).toMatch(/Free plan allows at most 5 for maxWorkspaces/);
    await expectCode(api.tenant.update({ settings: { maxUsers: null } }), "PRECONDITION_FAILED");
    await expectCode(api.tenant.update({ settings: { features: ["sso"] } }), "PRECONDITION_FAILED");
    expect((await api.tenant.current()).settings.maxWorkspaces).toBe(2);
  });

  it("createOrganization makes the caller its Admin; switch moves the sign-in there", async () => {
    const api = await ctx.ada.client.api();
    const org = await api.tenant.createOrganization({ name: "Analytical Engines" });
    expect(org).toMatchObject({ type: "Organization", plan: "Starter", role: "Admin" });
    const oldCookie = ctx.ada.client.refreshCookie;
    const sw = await switchTo(ctx.ada, org.id);
    expect(sw).toMatchObject({
      tenant: { id: org.id },
      role: "Admin",
      user: { id: ctx.ada.userId },
    });
    expect(ctx.ada.client.refreshCookie).toBeDefined();
    expect(ctx.ada.client.refreshCookie).not.toBe(oldCookie);
    const me = await (await ctx.ada.client.api()).auth.me();
    expect(me.tenant.id).toBe(org.id);
    expect(me.memberships.map((m) => m.tenant.id).sort()).toEqual(
      [ctx.ada.tenantId, org.id].sort(),
    );
    // The access token of the previous sign-in is refused from now on.
    await expectCode(api.tenant.current(), "UNAUTHORIZED");
  });

  it("switch to a tenant one is not a member of is NOT_FOUND, like a missing one", async () => {
    const bob = await ctx.h.register();
    const api = await ctx.ada.client.api();
    const a = await expectCode(api.tenant.switch({ tenantId: bob.tenantId }), "NOT_FOUND");
    const b = await expectCode(api.tenant.switch({ tenantId: "no-such-tenant" }), "NOT_FOUND");
    expect(a.message.replace(bob.tenantId, "X")).toBe(b.message.replace("no-such-tenant", "X"));
  });

  it("members, setRole and removeMember", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const bob = await registerMember(ctx.h, ctx.ada, "Developer", { firstName: "Bob" });
    const api = await ctx.ada.client.api();
    const members = await api.tenant.members();
    expect(members.map((m) => [m.user.id, m.role]).sort()).toEqual(
      [
        [ctx.ada.userId, "Admin"],
        [bob.userId, "Developer"],
      ].sort(),
    );
    expect(members.find((m) => m.user.id === bob.userId)?.user).not.toHaveProperty("passwordHash");
    expect((await (await bob.client.api()).tenant.members()).length).toBe(2);

    ctx.h.advance(1000);
    expect(await api.tenant.setRole({ userId: bob.userId, role: "Manager" })).toEqual({
      userId: bob.userId,
      role: "Manager",
    });
    expect((await (await bob.client.api()).tenant.current()).role).toBe("Manager");
    expect(await api.tenant.removeMember({ userId: bob.userId })).toEqual({
      userId: bob.userId,
      removed: true,
    });
    // Bob's sign-in to Ada's tenant ends with the membership.
    await expectCode((await bob.client.api()).tenant.current(), "UNAUTHORIZED");
    expect((await api.tenant.members()).map((m) => m.user.id)).toEqual([ctx.ada.userId]);
    await expectCode(api.tenant.removeMember({ userId: bob.userId }), "NOT_FOUND");
    await expectCode(api.tenant.setRole({ userId: bob.userId, role: "Admin" }), "NOT_FOUND");

    const events = (await api.audit.list()).items.map((e) => e.action);
    expect(events.slice(0, 2)).toEqual(["tenant.member_removed", "tenant.role_changed"]);
    expect(events).toContain("tenant.invitation_accepted");
  });

  it("a tenant keeps at least one Admin; the home membership cannot be removed", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const api = await ctx.ada.client.api();
    await expectCode(api.tenant.setRole({ userId: ctx.ada.userId, role: "Viewer" }), "CONFLICT");
    const bob = await registerMember(ctx.h, ctx.ada, "Admin");
    // With a second Admin, Ada could step down; her own tenant she cannot leave.
    await expectCode(api.tenant.removeMember({ userId: ctx.ada.userId }), "CONFLICT");
    const bobApi = await bob.client.api();
    await bobApi.tenant.setRole({ userId: ctx.ada.userId, role: "Developer" });
    // Ada is now a Developer: admin procedures are refused on her very next request.
    await expectCode(api.tenant.update({ name: "x" }), "FORBIDDEN");
    await expectCode(bobApi.tenant.setRole({ userId: bob.userId, role: "Viewer" }), "CONFLICT");
    expect((await bobApi.tenant.current()).role).toBe("Admin");
  });

  it("non-Admins cannot manage the tenant, nor raise their own role", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const api = await ctx.ada.client.api();
    const dev = await registerMember(ctx.h, ctx.ada, "Manager");
    const d = await dev.client.api();
    await expectCode(d.tenant.update({ name: "mine" }), "FORBIDDEN");
    await expectCode(d.tenant.setRole({ userId: dev.userId, role: "Admin" }), "FORBIDDEN");
    await expectCode(d.tenant.invite({ email: dev.email, role: "Admin" }), "FORBIDDEN");
    await expectCode(d.tenant.invite({ email: "friend@example.com", role: "Admin" }), "FORBIDDEN");
    await expectCode(d.tenant.invitations(), "FORBIDDEN");
    await expectCode(d.tenant.removeMember({ userId: ctx.ada.userId }), "FORBIDDEN");
    await expectCode(d.tenant.delete({ confirmName: "Ada Lovelace" }), "FORBIDDEN");
    await expectCode(d.tenant.workspaces(), "FORBIDDEN");
    await expectCode(d.audit.list(), "FORBIDDEN");
    // Nothing changed: the Manager is still a Manager, Ada still the only Admin, and no
    // invitation was made.
    expect((await d.tenant.current()).role).toBe("Manager");
    expect((await d.auth.me()).role).toBe("Manager");
    const members = await api.tenant.members();
    expect(members.map((m) => [m.user.id, m.role]).sort()).toEqual(
      [
        [ctx.ada.userId, "Admin"],
        [dev.userId, "Manager"],
      ].sort(),
    );
    expect(await api.tenant.invitations()).toEqual([]);
    expect((await api.tenant.current()).name).toBe("Ada Lovelace");
  });

  it("delete removes an Organization's whole range and folders, after typing its name", async () => {
    const api = await ctx.ada.client.api();
    await expectCode(api.tenant.delete({ confirmName: "Ada Lovelace" }), "FORBIDDEN");
    const org = await api.tenant.createOrganization({ name: "Doomed" });
    await switchTo(ctx.ada, org.id);
    const bob = await registerMember(ctx.h, { ...ctx.ada, tenantId: org.id }, "Developer");
    const inOrg = await ctx.ada.client.api();
    const pending = await inOrg.tenant.invite({ email: "later@example.com", role: "Viewer" });
    const s = await inOrg.workspace.create({ name: "w", path: "w" });
    await inOrg.workspace.autosave({ id: s.id, baseRev: 0, buffers: { a: "text" } });
    const folder = join(ctx.h.config.workspacesDir, org.id);
    expect(existsSync(folder)).toBe(true);

    await expectCode(inOrg.tenant.delete({ confirmName: "doomed" }), "BAD_REQUEST");
    const deleted = await inOrg.tenant.delete({ confirmName: "Doomed" });
    expect(deleted).toMatchObject({ id: org.id, deleted: true });
    // Ada is signed in to her own tenant now, with a new cookie: not signed out.
    expect(deleted.home).toMatchObject({ tenant: { id: ctx.ada.tenantId }, role: "Admin" });
    expect(ctx.ada.client.refreshCookie).toBeDefined();
    const atHome = ctx.h.client();
    atHome.accessToken = deleted.home!.accessToken;
    expect((await (await atHome.api()).tenant.current()).id).toBe(ctx.ada.tenantId);
    expect(await ctx.h.repos.tenants.getById(org.id)).toBeNull();
    expect(await ctx.h.repos.workspaceSessions.getById(org.id, s.id)).toBeNull();
    expect(await ctx.h.repos.users.listMembershipsOfUser(bob.userId)).toHaveLength(1);
    // Its invitations go with it, the invitee's index entries too (the harness checks).
    expect(await ctx.h.repos.invitations.listForEmail("later@example.com")).toEqual([]);
    expect(pending.email).toBe("later@example.com");
    expect(existsSync(folder)).toBe(false);
    await expectCode(inOrg.tenant.current(), "UNAUTHORIZED");

    // The event is kept in Ada's own tenant.
    const login = await (await ctx.h.client().api()).auth.login({
      email: ctx.ada.email,
      password: ctx.ada.password,
    });
    const home = ctx.h.client();
    home.accessToken = login.accessToken;
    const events = await (await home.api()).audit.list();
    expect(events.items.find((e) => e.action === "tenant.deleted")).toMatchObject({
      actorUserId: ctx.ada.userId,
      tenantId: ctx.ada.tenantId,
      detail: { tenantId: org.id, name: "Doomed" },
    });
  });

  it("delete without the sign-in's cookie deletes, and hands out no sign-in", async () => {
    const api = await ctx.ada.client.api();
    const org = await api.tenant.createOrganization({ name: "Scripted" });
    await switchTo(ctx.ada, org.id);
    // A script holding only the access token.
    const script = ctx.h.client();
    script.accessToken = ctx.ada.client.accessToken;
    const deleted = await (await script.api()).tenant.delete({ confirmName: "Scripted" });
    expect(deleted).toMatchObject({ id: org.id, deleted: true, home: null });
    expect(script.refreshCookie).toBeUndefined();
    expect(await ctx.h.repos.tenants.getById(org.id)).toBeNull();
  });
});
