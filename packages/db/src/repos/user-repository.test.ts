import { describe, expect, it } from "vitest";
import { withFaults } from "../store/faults";
import { ConflictError, LimitError, NotFoundError } from "./errors";
import { createRepositories } from "./index";
import { createWorkspaceSession, errorOf, registerUser, useTestStore } from "./testing";

const ctx = useTestStore();

const input = (email: string) => ({
  email,
  passwordHash: "$argon2id$hash",
  firstName: "Grace",
  lastName: "Hopper",
});

describe("UserRepository", () => {
  it("registers a user with a Self tenant, Admin membership and email index", async () => {
    const { user, tenant } = await ctx.repos.users.createWithTenant(input("Grace@Example.com"));
    expect(tenant).toMatchObject({
      type: "Self",
      plan: "Free",
      status: "active",
      name: "Grace Hopper",
    });
    expect(tenant.settings).toEqual({ maxUsers: 1, maxWorkspaces: 5, features: ["terminal"] });
    expect(user).toMatchObject({
      tenantId: tenant.id,
      email: "Grace@Example.com",
      role: "Admin",
      emailVerified: false,
      isActive: true,
      lastLoginAt: null,
    });
    expect(await ctx.repos.users.getById(user.id)).toEqual(user);
    expect(await ctx.repos.users.getByEmail("grace@EXAMPLE.com")).toEqual(user);
    expect(await ctx.repos.users.getByEmail("nobody@example.com")).toBeNull();
    expect(await ctx.repos.users.listMembershipsOfUser(user.id)).toEqual([
      { tenantId: tenant.id, userId: user.id, role: "Admin", addedAt: user.createdAt },
    ]);
    expect(await ctx.repos.tenants.getById(tenant.id)).toEqual(tenant);
  });

  it("refuses a taken email in any case", async () => {
    await ctx.repos.users.createWithTenant(input("dup@example.com"));
    const err = await errorOf(ctx.repos.users.createWithTenant(input("DUP@example.COM")));
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).reason).toBe("email_taken");
  });

  it("lets exactly one of two concurrent registrations of one email succeed", async () => {
    const results = await Promise.allSettled([
      ctx.repos.users.createWithTenant(input("race@example.com")),
      ctx.repos.users.createWithTenant(input("Race@example.com")),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((failed.reason as ConflictError).reason).toBe("email_taken");
    const active = await ctx.repos.tenants.listActive();
    expect(active.items).toHaveLength(1);
  });

  it("answers a registration retried after 1021 with its own user, even if the email has changed", async () => {
    const userId = "u-retried";
    const faulty = createRepositories(
      withFaults(ctx.store, {
        seed: 1,
        schedule: ["commitUnknown"],
        // Between the applied commit and its retry, the new user changes their email.
        afterFault: async () => {
          await ctx.repos.users.update(userId, { email: "changed@example.com" });
        },
      }),
    );
    const { user, tenant } = await faulty.users.createWithTenant({
      ...input("first@example.com"),
      userId,
      now: new Date("2026-05-01T00:00:00.000Z"),
    });
    expect(user.id).toBe(userId);
    expect(user.email).toBe("changed@example.com");
    expect((await ctx.repos.users.getById(userId))?.tenantId).toBe(tenant.id);
    expect(await ctx.repos.users.getByEmail("first@example.com")).toBeNull();
  });

  it("keeps one registration per email among many racing through injected faults", async () => {
    const faulty = createRepositories(
      withFaults(ctx.store, { seed: 3, notCommitted: 0.2, commitUnknown: 0.3 }),
    );
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        faulty.users.createWithTenant(input(i % 2 ? "many@example.com" : "MANY@example.com")),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    expect(ok).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect((r.reason as ConflictError).reason).toBe("email_taken");
    }
    // Retried after an applied commit, a registration still answers with its own user.
    const solo = await faulty.users.createWithTenant(input("solo@example.com"));
    expect(await ctx.repos.users.getByEmail("solo@example.com")).toEqual(solo.user);
  });

  it("updates fields and moves the email index atomically", async () => {
    const { user } = await registerUser(ctx.repos, { email: "old@example.com" });
    await registerUser(ctx.repos, { email: "taken@example.com" });
    await ctx.repos.users.update(user.id, { emailVerified: true });
    const moved = await ctx.repos.users.update(user.id, {
      email: "New@Example.com",
      firstName: "Ada B.",
      lastLoginAt: "2026-02-01T00:00:00.000Z",
    });
    expect(moved).toMatchObject({
      email: "New@Example.com",
      firstName: "Ada B.",
      emailVerified: false,
    });
    expect(await ctx.repos.users.getByEmail("old@example.com")).toBeNull();
    expect((await ctx.repos.users.getByEmail("new@example.com"))?.id).toBe(user.id);
    const err = await errorOf(ctx.repos.users.update(user.id, { email: "TAKEN@example.com" }));
    expect((err as ConflictError).reason).toBe("email_taken");
    expect((await ctx.repos.users.getById(user.id))?.email).toBe("New@Example.com");
    // A change of case only keeps the index entry.
    await ctx.repos.users.update(user.id, { email: "new@example.com", emailVerified: true });
    expect((await ctx.repos.users.getByEmail("NEW@example.com"))?.emailVerified).toBe(true);
    expect(await errorOf(ctx.repos.users.update("nobody", { firstName: "x" }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("deletes a user with memberships, auth sessions and workspace sessions", async () => {
    const { user, tenant } = await registerUser(ctx.repos, { email: "gone@example.com" });
    const org = await ctx.repos.tenants.create({ name: "Org", plan: "Pro" });
    await ctx.repos.users.addMembership(org.id, user.id, "Developer");
    for (const t of [tenant.id, org.id]) {
      await ctx.repos.authSessions.create({
        tenantId: t,
        userId: user.id,
        refreshTokenHash: "h",
        expiresAt: "2030-01-01T00:00:00.000Z",
        refreshExpiresAt: "2030-01-01T00:00:00.000Z",
      });
      await createWorkspaceSession(ctx.repos, t, user.id);
    }
    await ctx.repos.users.delete(user.id);
    expect(await ctx.repos.users.getById(user.id)).toBeNull();
    expect(await ctx.repos.users.getByEmail("gone@example.com")).toBeNull();
    expect(await ctx.repos.users.listMembershipsOfUser(user.id)).toEqual([]);
    expect((await ctx.repos.users.listMembersOfTenant(org.id)).items).toEqual([]);
    expect((await ctx.repos.workspaceSessions.listRecentByUser(org.id, user.id)).items).toEqual([]);
    // The email can be registered again.
    await registerUser(ctx.repos, { email: "gone@example.com" });
    await ctx.repos.users.delete(user.id);
  });

  it("lists a tenant's users in pages", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const page = await ctx.repos.users.listByTenant(tenant.id, { limit: 1 });
    expect(page.items.map((u) => u.id)).toEqual([user.id]);
    expect(page.nextCursor).toBeNull();
    expect((await ctx.repos.users.listByTenant("t-none")).items).toEqual([]);
  });

  it("adds, changes and removes memberships on both sides, within the plan's maxUsers", async () => {
    const owner = await registerUser(ctx.repos);
    const org = await ctx.repos.tenants.create({
      name: "Acme",
      plan: "Starter",
      owner: { userId: owner.user.id },
    });
    const others = [];
    for (let i = 0; i < 5; i++) others.push(await registerUser(ctx.repos));
    for (const o of others.slice(0, 4)) {
      await ctx.repos.users.addMembership(org.id, o.user.id, "Developer");
    }
    const full = await errorOf(ctx.repos.users.addMembership(org.id, others[4]!.user.id, "Viewer"));
    expect(full).toBeInstanceOf(LimitError);
    expect((full as LimitError).limit).toBe("maxUsers");

    const m = await ctx.repos.users.addMembership(org.id, others[0]!.user.id, "Manager");
    expect(m.role).toBe("Manager");
    expect(await ctx.repos.users.getMembership(org.id, others[0]!.user.id)).toMatchObject({
      role: "Manager",
    });

    const members = await ctx.repos.users.listMembersOfTenant(org.id, { limit: 3 });
    expect(members.items).toHaveLength(3);
    const rest = await ctx.repos.users.listMembersOfTenant(org.id, {
      limit: 3,
      cursor: members.nextCursor,
    });
    expect(rest.items).toHaveLength(2);
    expect([...members.items, ...rest.items].map((x) => x.user.id).sort()).toEqual(
      [owner.user.id, ...others.slice(0, 4).map((o) => o.user.id)].sort(),
    );
    expect(
      (await ctx.repos.users.listMembershipsOfUser(owner.user.id))
        .map((x) => [x.tenantId, x.role])
        .sort(),
    ).toEqual(
      [
        [org.id, "Admin"],
        [owner.tenant.id, "Admin"],
      ].sort(),
    );

    const session = await ctx.repos.authSessions.create({
      tenantId: org.id,
      userId: others[1]!.user.id,
      refreshTokenHash: "h",
      expiresAt: "2030-01-01T00:00:00.000Z",
      refreshExpiresAt: "2030-01-01T00:00:00.000Z",
    });
    await ctx.repos.users.removeMembership(org.id, others[1]!.user.id);
    expect(await ctx.repos.users.getMembership(org.id, others[1]!.user.id)).toBeNull();
    expect((await ctx.repos.authSessions.getById(session.id))?.status).toBe("revoked");
    await ctx.repos.users.removeMembership(org.id, others[1]!.user.id);
    // Now there is room again.
    await ctx.repos.users.addMembership(org.id, others[4]!.user.id, "Viewer");

    const home = await errorOf(ctx.repos.users.removeMembership(owner.tenant.id, owner.user.id));
    expect((home as ConflictError).reason).toBe("home_membership");
    expect(await errorOf(ctx.repos.users.addMembership(org.id, "nobody", "Viewer"))).toBeInstanceOf(
      NotFoundError,
    );
  });
});
