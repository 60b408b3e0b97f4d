import { describe, expect, it } from "vitest";
import { expectCode, registerMember, setPlan, useHarness } from "../../testing/harness";

const ctx = useHarness();

describe("account and organization pages' calls", () => {
  it("tenant.usage counts members and workspaces against the plan", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const api = await ctx.ada.client.api();
    await api.workspace.create({ name: "a", path: "a" });
    await api.workspace.create({ name: "b", path: "b" });
    const dev = await registerMember(ctx.h, ctx.ada, "Developer");
    const usage = await api.tenant.usage();
    const { maxUsers, maxWorkspaces } = (await api.tenant.current()).settings;
    expect(usage).toEqual({
      plan: "Starter",
      members: { used: 2, allowed: maxUsers },
      workspaces: { used: 2, allowed: maxWorkspaces },
    });
    expect(await (await dev.client.api()).tenant.usage()).toEqual(usage);
  });

  it("auth.updateProfile renames the caller, with the name checked as at registration", async () => {
    const api = await ctx.ada.client.api();
    const user = await api.auth.updateProfile({ firstName: " Augusta ", lastName: "King" });
    expect(user).toMatchObject({ firstName: "Augusta", lastName: "King" });
    expect((await api.auth.me()).user).toMatchObject({ firstName: "Augusta", lastName: "King" });
    await expectCode(api.auth.updateProfile({ firstName: "  ", lastName: "K" }), "BAD_REQUEST");
  });

  it("audit.list filters by action and by person, newest first, and pages through", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Pro");
    const bob = await registerMember(ctx.h, ctx.ada, "Admin", { firstName: "Bob" });
    const bobApi = await bob.client.api();
    for (const email of ["x1@example.com", "x2@example.com", "x3@example.com"]) {
      await bobApi.tenant.invite({ email, role: "Viewer" });
    }
    const api = await ctx.ada.client.api();
    const invites = await api.audit.list({ action: "tenant.invited" });
    // Ada invited Bob; Bob invited three.
    expect(invites.items.map((e) => e.action)).toEqual(Array(4).fill("tenant.invited"));
    // (The harness's clock stands still: these four share one time, so no order is checked.)
    expect(invites.items.map((e) => e.actorUserId).sort()).toEqual(
      [bob.userId, bob.userId, bob.userId, ctx.ada.userId].sort(),
    );
    const byBob = await api.audit.list({ actorUserId: bob.userId, action: "tenant.invited" });
    expect(byBob.items).toHaveLength(3);
    const first = await api.audit.list({ actorUserId: bob.userId, limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const rest = await api.audit.list({ actorUserId: bob.userId, cursor: first.nextCursor });
    expect(rest.items.every((e) => e.actorUserId === bob.userId)).toBe(true);
    expect(rest.items.map((e) => e.id)).not.toContain(first.items[0]!.id);
    expect((await api.audit.list({ action: "no.such.action" })).items).toEqual([]);
    await expectCode(
      (await registerMember(ctx.h, ctx.ada, "Viewer")).client.api().then((a) => a.audit.list({})),
      "FORBIDDEN",
    );
  });
});
