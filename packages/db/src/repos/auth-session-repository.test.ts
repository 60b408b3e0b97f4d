import { describe, expect, it } from "vitest";
import { withFaults } from "../store/faults";
import { NotFoundError, SessionNotActiveError } from "./errors";
import { createRepositories } from "./index";
import { errorOf, registerUser, useTestStore } from "./testing";

const ctx = useTestStore();

const LATER = "2030-01-01T00:00:00.000Z";

async function signIn(tenantId: string, userId: string, extra: { refreshExpiresAt?: string } = {}) {
  return ctx.repos.authSessions.create({
    tenantId,
    userId,
    refreshTokenHash: "a".repeat(64),
    expiresAt: LATER,
    refreshExpiresAt: extra.refreshExpiresAt ?? LATER,
    ipAddress: "127.0.0.1",
    userAgent: "vitest",
  });
}

const next = (hash: string) => ({
  refreshTokenHash: hash,
  expiresAt: LATER,
  refreshExpiresAt: LATER,
});

describe("AuthSessionRepository", () => {
  it("creates sessions for members only and finds them with or without the tenant", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const s = await signIn(tenant.id, user.id);
    expect(s).toMatchObject({
      status: "active",
      tenantId: tenant.id,
      userId: user.id,
      ipAddress: "127.0.0.1",
    });
    expect(await ctx.repos.authSessions.getById(s.id)).toEqual(s);
    expect(await ctx.repos.authSessions.getById(s.id, tenant.id)).toEqual(s);
    const other = await registerUser(ctx.repos);
    expect(await ctx.repos.authSessions.getById(s.id, other.tenant.id)).toBeNull();
    expect(await errorOf(signIn(other.tenant.id, user.id))).toBeInstanceOf(NotFoundError);
  });

  it("rotates in one transaction; a rotated session cannot rotate again", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const s = await signIn(tenant.id, user.id);
    const { previous, current } = await ctx.repos.authSessions.rotate(s.id, next("b".repeat(64)));
    expect(previous).toMatchObject({ id: s.id, status: "rotated", rotatedTo: current.id });
    expect(previous.rotatedAt).toBeDefined();
    expect(current).toMatchObject({
      status: "active",
      tokenFamily: s.tokenFamily,
      userAgent: "vitest",
    });
    expect(await ctx.repos.authSessions.getById(s.id)).toEqual(previous);

    const err = await errorOf(ctx.repos.authSessions.rotate(s.id, next("c".repeat(64))));
    expect(err).toBeInstanceOf(SessionNotActiveError);
    expect(err).toMatchObject({
      status: "rotated",
      rotatedTo: current.id,
      tokenFamily: s.tokenFamily,
    });

    const family = await ctx.repos.authSessions.listByFamily(tenant.id, s.tokenFamily);
    expect(family.map((x) => x.id).sort()).toEqual([s.id, current.id].sort());
    expect(
      (await ctx.repos.authSessions.listActiveByUser(tenant.id, user.id)).map((x) => x.id),
    ).toEqual([current.id]);
    expect(await errorOf(ctx.repos.authSessions.rotate("missing", next("d")))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("of two concurrent rotations of one session exactly one succeeds", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const s = await signIn(tenant.id, user.id);
    const results = await Promise.allSettled([
      ctx.repos.authSessions.rotate(s.id, next("1")),
      ctx.repos.authSessions.rotate(s.id, next("2")),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("rotation retried after an applied commit answers with its own successor", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const faulty = withFaults(ctx.store, { seed: 11, commitUnknown: 0.5 });
    const sessions = createRepositories(faulty).authSessions;
    let current = await signIn(tenant.id, user.id);
    for (let i = 0; i < 30; i++) {
      const r = await sessions.rotate(current.id, next(String(i)));
      expect(r.previous.rotatedTo).toBe(r.current.id);
      current = r.current;
    }
    expect(faulty.counts.commitUnknown).toBeGreaterThan(5);
    const family = await ctx.repos.authSessions.listByFamily(tenant.id, current.tokenFamily);
    expect(family).toHaveLength(31);
    expect(family.filter((x) => x.status === "active").map((x) => x.id)).toEqual([current.id]);
  });

  it("invalidates a family, and all of a user's families but one, across tenants", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const org = await ctx.repos.tenants.create({
      name: "Org",
      plan: "Pro",
      owner: { userId: user.id },
    });
    const a = await signIn(tenant.id, user.id);
    const b = await signIn(tenant.id, user.id);
    const c = await signIn(org.id, user.id);
    const bystander = await registerUser(ctx.repos);
    const d = await signIn(bystander.tenant.id, bystander.user.id);

    expect(await ctx.repos.authSessions.invalidateFamily(tenant.id, a.tokenFamily)).toBe(1);
    expect((await ctx.repos.authSessions.getById(a.id))?.status).toBe("revoked");
    expect(await errorOf(ctx.repos.authSessions.rotate(a.id, next("x")))).toMatchObject({
      status: "revoked",
    });

    // Both calls in one millisecond: the second counts only what it ended itself.
    const now = new Date();
    expect(
      await ctx.repos.authSessions.invalidateAllForUser(user.id, {
        exceptFamily: b.tokenFamily,
        now,
      }),
    ).toBe(1);
    expect((await ctx.repos.authSessions.getById(b.id))?.status).toBe("active");
    expect((await ctx.repos.authSessions.getById(c.id))?.status).toBe("revoked");
    expect(await ctx.repos.authSessions.invalidateAllForUser(user.id, { now })).toBe(1);
    expect(await ctx.repos.authSessions.invalidateAllForUser(user.id, { now })).toBe(0);
    expect(await ctx.repos.authSessions.listActiveByUser(tenant.id, user.id)).toEqual([]);
    expect((await ctx.repos.authSessions.getById(d.id))?.status).toBe("active");
  });

  it("counts the families it ended, also when retried after an applied commit (1021)", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const org = await ctx.repos.tenants.create({
      name: "Org",
      plan: "Pro",
      owner: { userId: user.id },
    });
    const a = await signIn(tenant.id, user.id);
    await ctx.repos.authSessions.rotate(a.id, next("b".repeat(64)));
    await signIn(tenant.id, user.id);
    await signIn(org.id, user.id);
    const appliedThenUnknown = () =>
      createRepositories(withFaults(ctx.store, { seed: 1, schedule: ["commitUnknown"] }));
    const now = new Date("2026-06-01T00:00:00.000Z");
    expect(
      await appliedThenUnknown().authSessions.invalidateFamily(tenant.id, a.tokenFamily, now),
    ).toBe(1);
    const later = new Date("2026-06-01T00:00:01.000Z");
    expect(
      await appliedThenUnknown().authSessions.invalidateAllForUser(user.id, { now: later }),
    ).toBe(2);
    // Nothing was left to end: a later call ends none.
    expect(await ctx.repos.authSessions.invalidateAllForUser(user.id)).toBe(0);
  });

  it("touches lastUsedAt forward only, and purges expired sessions", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const s = await signIn(tenant.id, user.id);
    await ctx.repos.authSessions.touch(s.id, undefined, new Date("2031-01-01T00:00:00.000Z"));
    await ctx.repos.authSessions.touch(s.id, tenant.id, new Date("2029-01-01T00:00:00.000Z"));
    expect((await ctx.repos.authSessions.getById(s.id))?.lastUsedAt).toBe(
      "2031-01-01T00:00:00.000Z",
    );
    expect(await errorOf(ctx.repos.authSessions.touch("missing"))).toBeInstanceOf(NotFoundError);

    const old = await signIn(tenant.id, user.id, { refreshExpiresAt: "2020-01-01T00:00:00.000Z" });
    expect(
      (await ctx.repos.authSessions.listActiveByUser(tenant.id, user.id)).map((x) => x.id),
    ).toEqual([s.id]);
    expect(await ctx.repos.authSessions.purgeExpired(tenant.id, user.id)).toBe(1);
    expect(await ctx.repos.authSessions.getById(old.id)).toBeNull();
    expect(await ctx.repos.authSessions.getById(s.id)).not.toBeNull();
  });
});
