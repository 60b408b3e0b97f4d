import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { withFaults } from "../store/faults";
import { ConflictError, NotFoundError } from "./errors";
import { createRepositories } from "./index";
import { errorOf, registerUser, useTestStore } from "./testing";

const ctx = useTestStore();
const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("AuditRepository", () => {
  it("appends events and lists them newest first in pages", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const other = await registerUser(ctx.repos);
    const t0 = Date.parse("2026-03-01T00:00:00.000Z");
    const actions = [
      "auth.register",
      "auth.login",
      "auth.login_failed",
      "auth.logout",
      "tenant.member_added",
    ];
    for (const [i, action] of actions.entries()) {
      await ctx.repos.audit.append({
        tenantId: tenant.id,
        action,
        actorUserId: user.id,
        ipAddress: "10.0.0.1",
        userAgent: "ua",
        detail: { n: i },
        at: new Date(t0 + i * 1000),
      });
    }
    await ctx.repos.audit.append({ tenantId: other.tenant.id, action: "auth.login" });
    const p1 = await ctx.repos.audit.list(tenant.id, { limit: 2 });
    expect(p1.items.map((e) => e.action)).toEqual(["tenant.member_added", "auth.logout"]);
    expect(p1.items[0]).toMatchObject({
      actorUserId: user.id,
      ipAddress: "10.0.0.1",
      detail: { n: 4 },
    });
    const p2 = await ctx.repos.audit.list(tenant.id, { limit: 2, cursor: p1.nextCursor });
    const p3 = await ctx.repos.audit.list(tenant.id, { limit: 2, cursor: p2.nextCursor });
    expect([...p2.items, ...p3.items].map((e) => e.action)).toEqual([
      "auth.login_failed",
      "auth.login",
      "auth.register",
    ]);
    expect(p3.nextCursor).toBeNull();
    expect(await errorOf(ctx.repos.audit.append({ tenantId: "none", action: "x" }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("lists events of the same millisecond newest first too", async () => {
    const { tenant } = await registerUser(ctx.repos);
    const at = new Date("2026-03-01T00:00:00.000Z");
    for (let i = 0; i < 40; i++) {
      await ctx.repos.audit.append({ tenantId: tenant.id, action: `a${i}`, at });
    }
    const page = await ctx.repos.audit.list(tenant.id, { limit: 100 });
    const appended = page.items.map((e) => e.action).filter((a) => /^a\d+$/.test(a));
    expect(appended).toEqual(Array.from({ length: 40 }, (_, i) => `a${39 - i}`));
  });
});

describe("EmailTokenRepository", () => {
  it("gives a token once, then never again", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const hash = sha("token-1");
    // Both creates in one millisecond: the second is still no retry of the first.
    const now = new Date();
    const created = await ctx.repos.emailTokens.create({
      tokenHash: hash,
      purpose: "verify",
      userId: user.id,
      tenantId: tenant.id,
      expiresAt: "2030-01-01T00:00:00.000Z",
      now,
    });
    expect(await ctx.repos.emailTokens.consume(hash, "reset")).toBeNull();
    expect(await ctx.repos.emailTokens.consume(hash, "verify")).toEqual(created);
    expect(await ctx.repos.emailTokens.consume(hash, "verify")).toBeNull();
    expect(await ctx.repos.emailTokens.consume(sha("unknown"), "verify")).toBeNull();
    expect(
      await errorOf(
        ctx.repos.emailTokens.create({
          tokenHash: hash,
          purpose: "verify",
          userId: user.id,
          tenantId: tenant.id,
          expiresAt: "2030-01-01T00:00:00.000Z",
          now,
        }),
      ),
    ).toBeInstanceOf(ConflictError);
  });

  it("refuses and removes expired tokens; purges expired ones", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const base = { purpose: "reset" as const, userId: user.id, tenantId: tenant.id };
    await ctx.repos.emailTokens.create({
      ...base,
      tokenHash: sha("a"),
      expiresAt: "2026-01-01T00:00:00.000Z",
    });
    await ctx.repos.emailTokens.create({
      ...base,
      tokenHash: sha("b"),
      expiresAt: "2026-01-01T00:00:00.000Z",
    });
    await ctx.repos.emailTokens.create({
      ...base,
      tokenHash: sha("c"),
      expiresAt: "2026-06-01T00:00:00.000Z",
    });
    const at = new Date("2026-02-01T00:00:00.000Z");
    expect(await ctx.repos.emailTokens.consume(sha("a"), "reset", at)).toBeNull();
    expect(await ctx.repos.emailTokens.purgeExpired(at)).toBe(1);
    expect(await ctx.repos.emailTokens.consume(sha("b"), "reset", at)).toBeNull();
    expect(await ctx.repos.emailTokens.consume(sha("c"), "reset", at)).not.toBeNull();
  });

  it("a consume retried after an applied commit still returns the token", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const faulty = withFaults(ctx.store, { seed: 5, commitUnknown: 0.5 });
    const tokens = createRepositories(faulty).emailTokens;
    for (let i = 0; i < 20; i++) {
      const hash = sha(`t${i}`);
      await tokens.create({
        tokenHash: hash,
        purpose: "verify",
        userId: user.id,
        tenantId: tenant.id,
        expiresAt: "2030-01-01T00:00:00.000Z",
      });
      expect((await tokens.consume(hash, "verify"))?.tokenHash).toBe(hash);
      expect(await tokens.consume(hash, "verify")).toBeNull();
    }
    expect(faulty.counts.commitUnknown).toBeGreaterThan(5);
  });
});

describe("ThrottleRepository", () => {
  it("counts hits per window and key, and resets", async () => {
    const t = ctx.repos.throttle;
    const w = 60_000;
    const t0 = 1_800_000_000_000;
    expect((await t.hit("login", "a@example.com", w, t0)).count).toBe(1);
    expect((await t.hit("login", "a@example.com", w, t0 + 10)).count).toBe(2);
    const third = await t.hit("login", "a@example.com", w, t0 + 20);
    expect(third).toEqual({ count: 3, resetAtMs: t0 + w });
    expect((await t.hit("login", "b@example.com", w, t0)).count).toBe(1);
    expect((await t.hit("register", "a@example.com", w, t0)).count).toBe(1);
    expect((await t.peek("login", "a@example.com", t0 + 30)).count).toBe(3);
    expect((await t.hit("login", "a@example.com", w, t0 + w)).count).toBe(1);
    await t.reset("login", "a@example.com");
    expect((await t.peek("login", "a@example.com", t0 + w)).count).toBe(0);
    expect(await t.purgeExpired(t0 + 2 * w)).toBe(2);
  });

  it("take counts first and refuses when full, so parallel attempts never pass the limit", async () => {
    const t = ctx.repos.throttle;
    const t0 = 1_800_000_000_000;
    const limits = [
      { bucket: "pair", key: "a@example.com 1.2.3.4", max: 10, windowMs: 60_000 },
      { bucket: "ip", key: "1.2.3.4", max: 100, windowMs: 60_000 },
    ];
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.take(limits, `hit-${i}`, t0 + i)),
    );
    expect(answers.filter((a) => a.allowed)).toHaveLength(10);
    expect(answers.find((a) => !a.allowed)).toEqual({ allowed: false, retryAtMs: t0 + 60_000 });
    // A refused attempt counts nowhere: the IP's counter saw only the ten that passed.
    expect((await t.peek("ip", "1.2.3.4", t0 + 100)).count).toBe(10);
    // A refund takes one attempt back from the counters that hold it, once.
    await t.refund(limits, "hit-0");
    await t.refund(limits, "hit-0");
    expect((await t.peek("pair", "a@example.com 1.2.3.4", t0 + 100)).count).toBe(9);
    expect((await t.take(limits, "late", t0 + 60_000)).allowed).toBe(true);
    expect((await t.peek("pair", "a@example.com 1.2.3.4", t0 + 60_000)).count).toBe(1);
  });

  it("take does not count an attempt twice when its commit result was unknown", async () => {
    const faulty = withFaults(ctx.store, { seed: 5, commitUnknown: 0.5 });
    const t = createRepositories(faulty).throttle;
    const limits = [{ bucket: "login", key: "k", max: 1000, windowMs: 60_000 }];
    for (let i = 0; i < 25; i++) await t.take(limits, `hit-${i}`, 1_800_000_000_000 + i);
    expect((await t.peek("login", "k", 1_800_000_000_100)).count).toBe(25);
    expect(faulty.counts.commitUnknown).toBeGreaterThan(5);
  });

  it("does not count a hit twice when its commit result was unknown", async () => {
    const faulty = withFaults(ctx.store, { seed: 9, commitUnknown: 0.5 });
    const t = createRepositories(faulty).throttle;
    let last = 0;
    for (let i = 0; i < 25; i++)
      last = (await t.hit("login", "k", 60_000, 1_800_000_000_000 + i)).count;
    expect(last).toBe(25);
    expect(faulty.counts.commitUnknown).toBeGreaterThan(5);
  });
});
