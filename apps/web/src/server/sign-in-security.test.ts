/**
 * Sign-in hardening over real HTTP against a started server with a real SQLite file, each
 * test reproducing an attack: throttles under parallel and batched attempts, lockout as a
 * weapon, forged X-Forwarded-For entries. The server believes one proxy in front, so each
 * test picks its client's IP the way such a proxy reports it.
 */
import { createRepositories } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browser,
  clientFor,
  REFRESH_COOKIE,
  register,
  type SmtpListener,
  startApiServer,
  startSmtpListener,
  testClock,
} from "./api-test-helpers";
import type { TestServer } from "./testing";

let ts: TestServer & Awaited<ReturnType<typeof startApiServer>>;
let smtp: SmtpListener;
const clock = testClock();
let n = 0;
const PASSWORD = "a good long password";

beforeAll(async () => {
  smtp = await startSmtpListener();
  ts = await startApiServer({ clock: clock.now, smtpUrl: smtp.url, trustProxy: 1 });
});
afterAll(async () => {
  await ts?.stop();
  await smtp?.close();
});

/** A new address in TEST-NET-3 for each call, so tests do not share per-IP counters. */
let lastIp = 0;
function freshIp(): string {
  lastIp++;
  return `203.0.${Math.floor(lastIp / 250)}.${(lastIp % 250) + 1}`;
}

/** Headers of a request that the proxy in front saw come from `ip`. */
function from(ip: string, spoofed?: string): Record<string, string> {
  return { "x-forwarded-for": spoofed ? `${spoofed}, ${ip}` : ip };
}

async function signUp() {
  n++;
  const email = `user${n}@hearth.test`;
  const { res } = await register(ts, { email, password: PASSWORD, firstName: "U", lastName: "T" });
  return { email, userId: res.user.id, tenantId: res.tenant.id };
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${ts.trpcUrl}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: ts.url, ...headers },
    body: JSON.stringify(body),
  });
}

function login(email: string, password: string, headers: Record<string, string>) {
  return post("auth.login", { email, password }, headers);
}

/** One `?batch=1` request calling `path` once per input; answers each call's status. */
async function batch(path: string, inputs: unknown[], headers: Record<string, string>) {
  const body = Object.fromEntries(inputs.map((input, i) => [i, input]));
  const res = await post(`${inputs.map(() => path).join(",")}?batch=1`, body, headers);
  if (res.status === 400 && !Array.isArray(await res.clone().json())) {
    return { status: res.status, calls: [] as number[] };
  }
  const answers = (await res.json()) as Array<{ error?: { data: { httpStatus: number } } }>;
  return { status: res.status, calls: answers.map((a) => a.error?.data.httpStatus ?? 200) };
}

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

describe("throttles count first, so parallel and batched attempts cannot pass them", () => {
  it("one batch of 16 logins for one email makes 10 guesses, not 16", async () => {
    const u = await signUp();
    const ip = freshIp();
    const guesses = Array.from({ length: 16 }, (_, i) => ({ email: u.email, password: `g${i}` }));
    const { calls } = await batch("auth.login", guesses, from(ip));
    expect(tally(calls)).toEqual({ 401: 10, 429: 6 });
    // The right password from that address is refused too: the guesses used the window up.
    expect((await login(u.email, PASSWORD, from(ip))).status).toBe(429);
  });

  it("a batch of more than 16 calls is refused whole, and none of its guesses counts", async () => {
    const u = await signUp();
    const ip = freshIp();
    const guesses = Array.from({ length: 25 }, (_, i) => ({ email: u.email, password: `g${i}` }));
    const refused = await batch("auth.login", guesses, from(ip));
    expect(refused.status).toBe(400);
    for (let i = 0; i < 10; i++) expect((await login(u.email, "wrong", from(ip))).status).toBe(401);
    expect((await login(u.email, "wrong", from(ip))).status).toBe(429);
  });

  it("30 parallel logins get exactly 10 answers of 401 and 20 of 429", async () => {
    const u = await signUp();
    const ip = freshIp();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(u.email, `parallel ${i}`, from(ip))),
    );
    expect(tally(answers.map((r) => r.status))).toEqual({ 401: 10, 429: 20 });
    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("one batch of 16 reset requests sends 5 mails, not 16", async () => {
    const u = await signUp();
    await ts.api.auth.drain();
    const before = smtp.mails.length;
    const { calls } = await batch(
      "auth.requestPasswordReset",
      Array.from({ length: 16 }, () => ({ email: u.email })),
      from(freshIp()),
    );
    expect(tally(calls)).toEqual({ 200: 5, 429: 11 });
    await ts.api.auth.drain();
    const resets = smtp.mails
      .slice(before)
      .filter((m) => m.to.includes(u.email) && m.text.includes("/reset-password?token="));
    expect(resets).toHaveLength(5);
  });

  it("25 parallel registrations from one IP make 20 accounts; another IP still registers", async () => {
    const ip = freshIp();
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        post(
          "auth.register",
          { email: `burst${i}@hearth.test`, password: PASSWORD, firstName: "B", lastName: "" },
          from(ip),
        ),
      ),
    );
    expect(tally(answers.map((r) => r.status))).toEqual({ 200: 20, 429: 5 });
    const other = await post(
      "auth.register",
      { email: "burst-other@hearth.test", password: PASSWORD, firstName: "B", lastName: "" },
      from(freshIp()),
    );
    expect(other.status).toBe(200);
  });
});

describe("lockout as a weapon", () => {
  it("a guesser is stopped, and the owner still signs in from their own address", async () => {
    const u = await signUp();
    const guesser = freshIp();
    const owner = freshIp();
    for (let i = 0; i < 10; i++)
      expect((await login(u.email, "wrong", from(guesser))).status).toBe(401);
    expect((await login(u.email, PASSWORD, from(guesser))).status).toBe(429);
    expect((await login(u.email, PASSWORD, from(owner))).status).toBe(200);
  });

  it("one IP guessing across many emails is stopped for every email; others are not", async () => {
    const u = await signUp();
    const guesser = freshIp();
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => login(`nobody${i}@hearth.test`, "wrong", from(guesser))),
    );
    expect(tally(answers.map((r) => r.status))).toEqual({ 401: 50, 429: 10 });
    expect((await login(u.email, PASSWORD, from(guesser))).status).toBe(429);
    expect((await login(u.email, PASSWORD, from(freshIp()))).status).toBe(200);
  });
});

describe("behind a proxy (HEARTH_TRUST_PROXY=1)", () => {
  it("the client's own X-Forwarded-For entries are ignored: a new forged one per guess does not escape the throttle", async () => {
    const u = await signUp();
    const real = freshIp();
    for (let i = 0; i < 10; i++) {
      const r = await login(u.email, "wrong", from(real, `10.9.8.${i}`));
      expect(r.status).toBe(401);
    }
    expect((await login(u.email, PASSWORD, from(real, "10.9.9.9"))).status).toBe(429);

    // The audit log holds the address the proxy saw, not the forged one.
    const admin = (await login(u.email, PASSWORD, from(freshIp()))).json() as Promise<{
      result: { data: { accessToken: string } };
    }>;
    const b = { token: (await admin).result.data.accessToken, cookie: null };
    const events = await clientFor(ts, b).audit.list.query({ limit: 50 });
    const failed = events.items.filter((e) => e.action === "auth.login_failed");
    expect(failed).toHaveLength(10);
    expect(new Set(failed.map((e) => e.ipAddress))).toEqual(new Set([real]));
  });

  it("a forged X-Forwarded-Host cannot make another site's Origin look like Hearth's own", async () => {
    const u = await signUp();
    const b = { token: null, cookie: null as string | null };
    const api = clientFor(ts, b);
    await api.auth.login.mutate({ email: u.email, password: PASSWORD });
    const host = new URL(ts.url).host;
    const headers = {
      cookie: `hearth_refresh=${b.cookie}`,
      origin: "http://evil.example",
      "x-forwarded-for": freshIp(),
      // The client's entry first, the proxy's (the Host it was sent to) last.
      "x-forwarded-host": `evil.example, ${host}`,
    };
    const forged = await post("auth.refresh", {}, headers);
    expect(forged.status).toBe(403);
    const own = await post("auth.refresh", {}, { ...headers, origin: ts.url });
    expect(own.status).toBe(200);
  });
});

describe("a stolen refresh token cannot escape reuse detection by switching tenants", () => {
  it("a reuse revokes the families switched to from the stolen one, and a switch to the current tenant is refused", async () => {
    const u = await signUp();
    const owner = { token: null as string | null, cookie: null as string | null };
    const ownerApi = clientFor(ts, owner);
    owner.token = (
      await ownerApi.auth.login.mutate({ email: u.email, password: PASSWORD })
    ).accessToken;
    const org = await ownerApi.tenant.createOrganization.mutate({ name: "Acme" });

    // The thief copies the cookie, refreshes with it, and switches away from the family.
    const thief = { token: null as string | null, cookie: owner.cookie };
    const thiefApi = clientFor(ts, thief);
    thief.token = (await thiefApi.auth.refresh.mutate({})).accessToken;
    const same = await post(
      "tenant.switch",
      { tenantId: u.tenantId },
      { authorization: `Bearer ${thief.token}` },
    );
    expect(same.status).toBe(400);
    thief.token = (await thiefApi.tenant.switch.mutate({ tenantId: org.id })).accessToken;
    expect((await thiefApi.auth.me.query()).tenant.id).toBe(org.id);

    // The owner's next refresh presents the copied token again: a reuse.
    clock.advance(60_000);
    expect(
      (await post("auth.refresh", {}, { cookie: `hearth_refresh=${owner.cookie}` })).status,
    ).toBe(401);
    // The family the thief switched into is gone with it, on the very next request.
    const me = await fetch(`${ts.trpcUrl}/auth.me`, {
      headers: { authorization: `Bearer ${thief.token}` },
    });
    expect(me.status).toBe(401);
    const refreshed = await post("auth.refresh", {}, { cookie: `hearth_refresh=${thief.cookie}` });
    expect(refreshed.status).toBe(401);
  });
});

describe("a copied access token cannot become a sign-in of its own", () => {
  it("switching tenants needs the sign-in's refresh cookie; without it nothing changes", async () => {
    const u = await signUp();
    const owner = browser();
    const ownerApi = clientFor(ts, owner);
    owner.token = (
      await ownerApi.auth.login.mutate({ email: u.email, password: PASSWORD })
    ).accessToken;
    const org = await ownerApi.tenant.createOrganization.mutate({ name: "Acme" });

    // Only the access token was copied (a log, a screen share): the switch is refused and
    // hands out no cookie, and the owner's sign-in goes on.
    const stolen = await post(
      "tenant.switch",
      { tenantId: org.id },
      { authorization: `Bearer ${owner.token}` },
    );
    expect(stolen.status).toBe(401);
    expect(stolen.headers.getSetCookie()).toEqual([]);
    expect(((await stolen.json()) as { error: { message: string } }).error.message).toMatch(
      /sign-in cookie/,
    );
    // Another sign-in's cookie does not stand in for this one's either.
    const other = browser();
    await clientFor(ts, other).auth.login.mutate({ email: u.email, password: PASSWORD });
    const mixed = await post(
      "tenant.switch",
      { tenantId: org.id },
      { authorization: `Bearer ${owner.token}`, cookie: `${REFRESH_COOKIE}=${other.cookie}` },
    );
    expect(mixed.status).toBe(401);
    expect((await ownerApi.auth.me.query()).tenant.id).toBe(u.tenantId);

    // The owner's browser, with its cookie, switches.
    owner.token = (await ownerApi.tenant.switch.mutate({ tenantId: org.id })).accessToken;
    expect((await ownerApi.auth.me.query()).tenant.id).toBe(org.id);
  });
});

describe("a used link voids its siblings", () => {
  /** Tokens of every link to `path` mailed to `email` so far, oldest first. */
  async function linksTo(email: string, path: string): Promise<string[]> {
    await ts.api.auth.drain();
    return smtp.mails
      .filter((m) => m.to.includes(email))
      .flatMap((m) => [...m.text.matchAll(new RegExp(`/${path}\\?token=([\\w-]+)`, "g"))])
      .map((match) => match[1]!);
  }

  async function requestReset(email: string) {
    expect((await post("auth.requestPasswordReset", { email }, from(freshIp()))).status).toBe(200);
  }

  it("after a reset with one link, an earlier second link sets no password", async () => {
    const u = await signUp();
    await requestReset(u.email);
    await requestReset(u.email);
    const [first, second] = await linksTo(u.email, "reset-password");
    expect(second).toBeDefined();
    const ok = await post("auth.resetPassword", { token: second, newPassword: "chosen by owner" });
    expect(ok.status).toBe(200);
    const late = await post("auth.resetPassword", { token: first, newPassword: "chosen by thief" });
    expect(late.status).toBe(400);
    expect((await login(u.email, "chosen by thief", from(freshIp()))).status).toBe(401);
    expect((await login(u.email, "chosen by owner", from(freshIp()))).status).toBe(200);
  });

  it("a password change voids the reset links mailed before it", async () => {
    const u = await signUp();
    await requestReset(u.email);
    const [link] = await linksTo(u.email, "reset-password");
    const b = { token: null as string | null, cookie: null as string | null };
    const api = clientFor(ts, b);
    b.token = (await api.auth.login.mutate({ email: u.email, password: PASSWORD })).accessToken;
    await api.auth.changePassword.mutate({ currentPassword: PASSWORD, newPassword: "changed it" });
    const late = await post("auth.resetPassword", { token: link, newPassword: "chosen by thief" });
    expect(late.status).toBe(400);
    expect((await login(u.email, "changed it", from(freshIp()))).status).toBe(200);
  });

  it("once the email is verified, the other verification links are void", async () => {
    const u = await signUp();
    const b = { token: null as string | null, cookie: null as string | null };
    const api = clientFor(ts, b);
    b.token = (await api.auth.login.mutate({ email: u.email, password: PASSWORD })).accessToken;
    expect(await api.auth.resendVerification.mutate({})).toEqual({ sent: true });
    const [first, second] = await linksTo(u.email, "verify-email");
    expect(second).toBeDefined();
    expect((await post("auth.verifyEmail", { token: second })).status).toBe(200);
    expect((await post("auth.verifyEmail", { token: first })).status).toBe(400);
  });
});

describe("the last Admin", () => {
  it("two Admins demoting or removing each other at once leave the tenant with one Admin", async () => {
    const repos = createRepositories(ts.store);
    for (const change of ["setRole", "removeMember"] as const) {
      const a = await signUp();
      const b = await signUp();
      const headers = async (u: { email: string }) => {
        const r = await login(u.email, PASSWORD, from(freshIp()));
        const body = (await r.json()) as { result: { data: { accessToken: string } } };
        const cookie = r.headers.getSetCookie()[0]!.split(";")[0]!;
        return { authorization: `Bearer ${body.result.data.accessToken}`, cookie };
      };
      const ha = await headers(a);
      const hb = await headers(b);
      const org = (await (
        await post("tenant.createOrganization", { name: `Two admins ${change}` }, ha)
      ).json()) as { result: { data: { id: string } } };
      const orgId = org.result.data.id;
      await repos.tenants.update(orgId, { plan: "Pro" });
      await repos.users.addMembership(orgId, b.userId, "Admin");
      const inOrg = async (h: Record<string, string>) => {
        const r = await post("tenant.switch", { tenantId: orgId }, h);
        const body = (await r.json()) as { result: { data: { accessToken: string } } };
        return { authorization: `Bearer ${body.result.data.accessToken}` };
      };
      const [oa, ob] = [await inOrg(ha), await inOrg(hb)];
      const input = (userId: string) =>
        change === "setRole" ? { userId, role: "Developer" } : { userId };
      const answers = await Promise.all([
        post(`tenant.${change}`, input(b.userId), oa),
        post(`tenant.${change}`, input(a.userId), ob),
      ]);
      // One change wins; the other is refused, as a conflict or because its caller is no
      // longer an Admin by the time it is checked.
      expect(
        answers.filter((r) => r.status === 200),
        change,
      ).toHaveLength(1);
      const admins = (await repos.users.listMembersOfTenant(orgId)).items.filter(
        (m) => m.role === "Admin",
      );
      expect(admins, change).toHaveLength(1);
    }
  });
});
