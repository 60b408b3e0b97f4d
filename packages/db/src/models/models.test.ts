import { describe, expect, it } from "vitest";
import { registerUser, useTestStore } from "../repos/testing";
import {
  PLAN_DEFAULTS,
  ZAuditEvent,
  ZAuthSession,
  ZEmailToken,
  ZMembership,
  ZPlan,
  ZTenant,
  ZUser,
  ZWorkspaceSession,
  ZWorkspaceSessionMeta,
  ZWorkspaceStatePatch,
} from "./index";

const ctx = useTestStore();

describe("models", () => {
  it("describe exactly what the repositories return", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    expect(ZUser.parse(user)).toEqual(user);
    expect(ZTenant.parse(tenant)).toEqual(tenant);
    const ws = await ctx.repos.workspaceSessions.create({
      tenantId: tenant.id,
      userId: user.id,
      name: "n",
      workspacePath: "p",
      tags: ["a"],
      terminal: { cwd: "/", commandHistory: ["ls"], environmentVars: {}, scrollback: "x" },
      buffers: { "a.ts": "x" },
    });
    expect(ZWorkspaceSession.strict().parse(ws)).toEqual(ws);
    const page = await ctx.repos.workspaceSessions.listRecentByUser(tenant.id, user.id);
    expect(ZWorkspaceSessionMeta.strict().parse(page.items[0])).toEqual(page.items[0]);
    const auth = await ctx.repos.authSessions.create({
      tenantId: tenant.id,
      userId: user.id,
      refreshTokenHash: "h",
      expiresAt: "2030-01-01T00:00:00.000Z",
      refreshExpiresAt: "2030-01-01T00:00:00.000Z",
    });
    const { previous } = await ctx.repos.authSessions.rotate(auth.id, {
      refreshTokenHash: "h2",
      expiresAt: "2030-01-01T00:00:00.000Z",
      refreshExpiresAt: "2030-01-01T00:00:00.000Z",
    });
    expect(ZAuthSession.strict().parse(previous)).toEqual(previous);
    const event = await ctx.repos.audit.append({
      tenantId: tenant.id,
      action: "auth.login",
      detail: { ok: true },
    });
    expect(ZAuditEvent.strict().parse(event)).toEqual(event);
    const token = await ctx.repos.emailTokens.create({
      tokenHash: "a".repeat(64),
      purpose: "verify",
      userId: user.id,
      tenantId: tenant.id,
      expiresAt: "2030-01-01T00:00:00.000Z",
    });
    expect(ZEmailToken.strict().parse(token)).toEqual(token);
    const [membership] = await ctx.repos.users.listMembershipsOfUser(user.id);
    expect(ZMembership.strict().parse(membership)).toEqual(membership);
  });

  it("rejects state that does not fit API.md's shapes", () => {
    expect(
      ZWorkspaceStatePatch.safeParse({
        editor: { layout: "tabs", activeTabIndex: 0, openTabs: [] },
      }).success,
    ).toBe(false);
    expect(
      ZWorkspaceStatePatch.safeParse({
        terminal: { cwd: "/", commandHistory: Array(101).fill("ls"), environmentVars: {} },
      }).success,
    ).toBe(false);
    expect(ZWorkspaceStatePatch.safeParse({ buffers: { "a.ts": null, "b.ts": "x" } }).success).toBe(
      true,
    );
    expect(
      ZWorkspaceStatePatch.safeParse({
        debug: { breakpoints: [{ path: "a", line: 0, enabled: true }], watchExpressions: [] },
      }).success,
    ).toBe(false);
  });

  it("gives every plan default settings, larger plans larger limits", () => {
    let last = 0;
    for (const plan of ZPlan.options) {
      const s = PLAN_DEFAULTS[plan];
      const users = s.maxUsers ?? Number.POSITIVE_INFINITY;
      expect(users).toBeGreaterThan(last);
      last = users;
    }
    expect(PLAN_DEFAULTS.Enterprise.maxWorkspaces).toBeNull();
  });
});
