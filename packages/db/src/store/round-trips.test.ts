import { describe, expect, it } from "vitest";
import { createRepositories } from "../repos/index";
import { registerUser } from "../repos/testing";
import { RoundTripCounter } from "./round-trips";
import { openSqliteStore } from "./sqlite";

/** The round trips one call makes, through a counting store. */
async function roundTripsOf(counter: RoundTripCounter, call: () => Promise<unknown>) {
  const before = counter.roundTrips;
  await call();
  return counter.roundTrips - before;
}

describe("listings and round trips", () => {
  it("lists a user's sessions, related ones and auth sessions in a few round trips, whatever their number", async () => {
    const counter = new RoundTripCounter(openSqliteStore({ filename: ":memory:" }));
    const repos = createRepositories(counter);
    const { user, tenant } = await registerUser(repos);
    const trips: Record<string, number[]> = { recent: [], related: [], auth: [] };
    for (const total of [5, 40]) {
      while (
        (await repos.workspaceSessions.listRecentByUser(tenant.id, user.id, { limit: 100 })).items
          .length < total
      ) {
        await repos.workspaceSessions.create({
          tenantId: tenant.id,
          userId: user.id,
          name: "w",
          workspacePath: "w",
          tags: ["a", "b", "c"],
        });
        await repos.authSessions.create({
          tenantId: tenant.id,
          userId: user.id,
          refreshTokenHash: "a".repeat(64),
          expiresAt: "2030-01-01T00:00:00.000Z",
          refreshExpiresAt: "2030-01-01T00:00:00.000Z",
          ipAddress: "127.0.0.1",
          userAgent: "vitest",
        });
      }
      trips.recent!.push(
        await roundTripsOf(counter, () =>
          repos.workspaceSessions.listRecentByUser(tenant.id, user.id, { limit: 20 }),
        ),
      );
      trips.related!.push(
        await roundTripsOf(counter, () =>
          repos.workspaceSessions.listRelated(tenant.id, user.id, ["a", "b", "c"], { limit: 20 }),
        ),
      );
      trips.auth!.push(
        await roundTripsOf(counter, () => repos.authSessions.listActiveByUser(tenant.id, user.id)),
      );
    }
    // One range read, then every listed record together (a meta and its rev are one).
    expect(trips).toEqual({ recent: [2, 2], related: [2, 2], auth: [2, 2] });
    await counter.close();
  });

  it("lists tenants and ends a user's sessions in every tenant in a few round trips", async () => {
    const counter = new RoundTripCounter(openSqliteStore({ filename: ":memory:" }));
    const repos = createRepositories(counter);
    const { user } = await registerUser(repos);
    const trips: Record<string, number[]> = { tenants: [], members: [], logoutAll: [] };
    for (const orgs of [1, 6]) {
      while ((await repos.users.listMembershipsOfUser(user.id)).length < orgs + 1) {
        const org = await repos.tenants.create({
          name: "o",
          plan: "Pro",
          owner: { userId: user.id },
        });
        await repos.authSessions.create({
          tenantId: org.id,
          userId: user.id,
          refreshTokenHash: "a".repeat(64),
          expiresAt: "2030-01-01T00:00:00.000Z",
          refreshExpiresAt: "2030-01-01T00:00:00.000Z",
          ipAddress: "127.0.0.1",
          userAgent: "vitest",
        });
        await registerUser(repos);
      }
      const [first] = await repos.users.listMembershipsOfUser(user.id);
      trips.tenants!.push(await roundTripsOf(counter, () => repos.tenants.listActive()));
      trips.members!.push(
        await roundTripsOf(counter, () => repos.users.listMembersOfTenant(first!.tenantId)),
      );
      trips.logoutAll!.push(
        await roundTripsOf(counter, () => repos.authSessions.invalidateAllForUser(user.id)),
      );
    }
    // members: the range, each user's home, then the users; logout-all: the memberships,
    // then every tenant's index, then their sessions.
    expect(trips).toEqual({ tenants: [2, 2], members: [3, 3], logoutAll: [3, 3] });
    await counter.close();
  });
});
