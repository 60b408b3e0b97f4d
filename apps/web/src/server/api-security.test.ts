/**
 * The security suite over real HTTP against a started server with a real SQLite file:
 * cross-tenant ids, JWT tampering, refresh-token rotation and reuse, sign-outs, throttling,
 * oversize payloads and the CSRF Origin check.
 */
import { randomBytes } from "node:crypto";
import { createRepositories } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applySetCookies,
  type Browser,
  browser,
  clientFor,
  codeOf,
  decodeJwt,
  expectCode,
  register,
  serverKey,
  signJwt,
  snapshot,
  startApiServer,
  testClock,
} from "./api-test-helpers";
import type { TestServer } from "./testing";

let ts: TestServer;
const clock = testClock();
let n = 0;

beforeAll(async () => {
  ts = await startApiServer({ clock: clock.now });
});
afterAll(async () => {
  await ts?.stop();
});

async function signUp(b: Browser = browser()) {
  n++;
  const email = `user${n}@hearth.test`;
  const password = "a good long password";
  const { api, res } = await register(
    ts,
    { email, password, firstName: `User${n}`, lastName: "Test" },
    b,
  );
  return { b, api, email, password, userId: res.user.id, tenantId: res.tenant.id };
}

async function signIn(email: string, password: string) {
  const b = browser();
  const api = clientFor(ts, b);
  b.token = (await api.auth.login.mutate({ email, password })).accessToken;
  return { b, api };
}

/** A raw tRPC mutation over HTTP, for what the typed client cannot send. */
function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${ts.trpcUrl}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: ts.url, ...headers },
    body,
  });
}

describe("cross-tenant matrix over HTTP", () => {
  it("every id-taking procedure with another tenant's id is NOT_FOUND and changes nothing", async () => {
    const a = await signUp();
    const b = await signUp();
    const bMember = await signUp();
    // Room for a member: plans are raised the way an operator would, in the store.
    const repos = createRepositories(ts.store);
    await repos.tenants.update(b.tenantId, { plan: "Pro" });
    await repos.users.addMembership(b.tenantId, bMember.userId, "Developer");
    const s = await b.api.workspace.create.mutate({ name: "secret", path: "secret" });
    await b.api.workspace.autosave.mutate({ id: s.id, baseRev: 0, buffers: { "k.ts": "B only" } });
    const fork = await b.api.workspace.fork.mutate({ id: s.id, name: "fork" });
    const invitation = await b.api.tenant.invite.mutate({
      email: "invitee@hearth.test",
      role: "Viewer",
    });
    const family = (await b.api.auth.devices.query())[0]!.tokenFamily;

    const editor = { layout: "single" as const, activeTabIndex: -1, openTabs: [] };
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["workspace.get", () => a.api.workspace.get.query({ id: s.id })],
      ["workspace.children", () => a.api.workspace.children.query({ id: s.id })],
      ["workspace.fork", () => a.api.workspace.fork.mutate({ id: s.id, name: "x" })],
      [
        "workspace.autosave",
        () => a.api.workspace.autosave.mutate({ id: s.id, baseRev: 1, editor }),
      ],
      [
        "workspace.autosave buffers",
        () => a.api.workspace.autosave.mutate({ id: s.id, baseRev: 1, buffers: { "k.ts": "A" } }),
      ],
      ["workspace.update", () => a.api.workspace.update.mutate({ id: s.id, name: "x" })],
      ["workspace.delete", () => a.api.workspace.delete.mutate({ id: fork.id })],
      ["workspace.share", () => a.api.workspace.share.mutate({ id: s.id, tenant: true })],
      ["workspace.unshare", () => a.api.workspace.unshare.mutate({ id: s.id, tenant: true })],
      [
        "tenant.setRole",
        () => a.api.tenant.setRole.mutate({ userId: bMember.userId, role: "Admin" }),
      ],
      [
        "tenant.revokeInvitation",
        () => a.api.tenant.revokeInvitation.mutate({ id: invitation.id }),
      ],
      ["tenant.switch", () => a.api.tenant.switch.mutate({ tenantId: b.tenantId })],
      ["tenant.removeMember", () => a.api.tenant.removeMember.mutate({ userId: bMember.userId })],
      ["auth.revokeDevice", () => a.api.auth.revokeDevice.mutate({ tokenFamily: family })],
    ];
    const before = await snapshot(ts);
    for (const [name, call] of calls) {
      expect(await codeOf(call()), name).toBe("NOT_FOUND");
    }
    expect(await snapshot(ts)).toBe(before);
    expect((await b.api.workspace.get.query({ id: s.id })).buffers).toEqual({ "k.ts": "B only" });
  });
});

describe("JWT tampering", () => {
  it("alg none, another key, expiry, issuer, audience, algorithm and altered claims are all refused", async () => {
    const victim = await signUp();
    const attacker = await signUp();
    const { header, claims } = decodeJwt(attacker.b.token!);
    const key = serverKey(ts);
    const now = Math.floor(clock.now().getTime() / 1000);
    const ok = signJwt(header, claims, key);
    const forged: Array<[string, string]> = [
      ["alg none", signJwt({ alg: "none", typ: "JWT" }, claims, null)],
      ["alg none, no dot", signJwt({ alg: "none" }, claims, null).replace(/\.$/, "")],
      ["another key", signJwt(header, claims, randomBytes(64))],
      ["HS512 with the server's key", signJwt({ alg: "HS512", typ: "JWT" }, claims, key)],
      ["expired", signJwt(header, { ...claims, iat: now - 3600, exp: now - 60 }, key)],
      ["wrong issuer", signJwt(header, { ...claims, iss: "someone-else" }, key)],
      ["wrong audience", signJwt(header, { ...claims, aud: "another-app" }, key)],
      [
        "claims altered, signature kept",
        `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(
          JSON.stringify({ ...claims, sub: victim.userId, tid: victim.tenantId, role: "Admin" }),
        ).toString("base64url")}.${attacker.b.token!.split(".")[2]}`,
      ],
      ["signature stripped", `${attacker.b.token!.split(".").slice(0, 2).join(".")}.`],
    ];
    // The forging method itself is sound: the same claims signed properly pass.
    const control = browser();
    control.token = ok;
    expect((await clientFor(ts, control).auth.me.query()).user.id).toBe(attacker.userId);
    for (const [name, token] of forged) {
      const b = browser();
      b.token = token;
      expect(await codeOf(clientFor(ts, b).auth.me.query()), name).toBe("UNAUTHORIZED");
      expect(await codeOf(clientFor(ts, b).workspace.list.query({})), name).toBe("UNAUTHORIZED");
    }
    // Even with the server's key, a token naming another user's session is refused:
    // the session must exist and belong to the token's subject.
    const stolen = decodeJwt(victim.b.token!).claims;
    const mixed = browser();
    mixed.token = signJwt(header, { ...claims, sid: stolen.sid, fam: stolen.fam }, key);
    await expectCode(clientFor(ts, mixed).auth.me.query(), "UNAUTHORIZED");
  });
});

describe("refresh tokens", () => {
  it("every refresh rotates the cookie; the old one within the grace window gets a token and no cookie", async () => {
    const u = await signUp();
    const first = u.b.cookie!;
    const r1 = await u.api.auth.refresh.mutate({});
    const second = u.b.cookie!;
    expect(second).not.toBe(first);
    expect(r1.accessToken).not.toBe(u.b.token);

    // Two tabs refreshing at once with the same cookie: both succeed, one rotation.
    const tabs = [0, 1].map(() =>
      post("auth.refresh", "{}", { cookie: `hearth_refresh=${second}` }),
    );
    const answers = await Promise.all(tabs);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const cookies = answers.map((r) =>
      r.headers.getSetCookie().filter((c) => c.startsWith("hearth_refresh=")),
    );
    expect(cookies.filter((c) => c.length === 1)).toHaveLength(1);
    expect(cookies.filter((c) => c.length === 0)).toHaveLength(1);
    const rotated = browser();
    applySetCookies(rotated, cookies.flat());
    for (const r of answers) {
      const body = (await r.json()) as { result: { data: { accessToken: string } } };
      const b = browser();
      b.token = body.result.data.accessToken;
      expect((await clientFor(ts, b).auth.me.query()).user.id).toBe(u.userId);
    }
    expect(rotated.cookie).toBeTruthy();
  });

  it("an old cookie after the grace window revokes the whole family and is audited", async () => {
    const u = await signUp();
    const stolen = u.b.cookie!;
    await u.api.auth.refresh.mutate({});
    const r = await u.api.auth.refresh.mutate({});
    u.b.token = r.accessToken;
    clock.advance(60_000);

    const thief = browser();
    thief.cookie = stolen;
    await expectCode(clientFor(ts, thief).auth.refresh.mutate({}), "UNAUTHORIZED");
    // The rightful owner's cookie and access token are dead too.
    await expectCode(u.api.auth.refresh.mutate({}), "UNAUTHORIZED");
    await expectCode(u.api.auth.me.query(), "UNAUTHORIZED");

    const { api } = await signIn(u.email, u.password);
    const events = await api.audit.list.query({ limit: 50 });
    const reuse = events.items.find((e) => e.action === "auth.refresh_reuse");
    expect(reuse).toMatchObject({
      actorUserId: u.userId,
      tenantId: u.tenantId,
      ipAddress: "127.0.0.1",
    });
  });

  it("logoutAll is refused on every device's next request; changePassword keeps only this one", async () => {
    const u = await signUp();
    const laptop = await signIn(u.email, u.password);
    const phone = await signIn(u.email, u.password);
    await phone.api.auth.changePassword.mutate({
      currentPassword: u.password,
      newPassword: "another good password",
    });
    await expectCode(u.api.auth.me.query(), "UNAUTHORIZED");
    await expectCode(laptop.api.auth.me.query(), "UNAUTHORIZED");
    await expectCode(laptop.api.auth.refresh.mutate({}), "UNAUTHORIZED");
    expect((await phone.api.auth.devices.query()).map((d) => d.current)).toEqual([true]);

    const tablet = await signIn(u.email, "another good password");
    await tablet.api.auth.logoutAll.mutate({});
    await expectCode(phone.api.auth.me.query(), "UNAUTHORIZED");
    await expectCode(tablet.api.auth.me.query(), "UNAUTHORIZED");
    await expectCode(phone.api.auth.refresh.mutate({}), "UNAUTHORIZED");
  });
});

describe("abuse limits", () => {
  it("failed logins are throttled with 429 and Retry-After", async () => {
    const u = await signUp();
    const body = JSON.stringify({ email: u.email, password: "not the password" });
    for (let i = 0; i < 10; i++) expect((await post("auth.login", body)).status).toBe(401);
    const refused = await post(
      "auth.login",
      JSON.stringify({ email: u.email, password: u.password }),
    );
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    const json = (await refused.json()) as {
      error: { data: { code: string; retryAfterSeconds: number } };
    };
    expect(json.error.data).toMatchObject({
      code: "TOO_MANY_REQUESTS",
      retryAfterSeconds: retryAfter,
    });
    clock.advance(15 * 60_000 + 1000);
    expect(
      (await post("auth.login", JSON.stringify({ email: u.email, password: u.password }))).status,
    ).toBe(200);
  });

  it("a body over the limit is 413 and a session's buffers over the cap are 413, nothing stored", async () => {
    const u = await signUp();
    const s = await u.api.workspace.create.mutate({ name: "big", path: "big" });
    const auth = { authorization: `Bearer ${u.b.token}` };
    const huge = JSON.stringify({
      id: s.id,
      baseRev: 0,
      buffers: { a: "x".repeat(9 * 1024 * 1024) },
    });
    expect((await post("workspace.autosave", huge, auth)).status).toBe(413);

    const chunk = "y".repeat(7 * 1024 * 1024);
    let rev = 0;
    for (let i = 0; i < 4; i++) {
      rev = (
        await u.api.workspace.autosave.mutate({
          id: s.id,
          baseRev: rev,
          buffers: { [`f${i}`]: chunk },
        })
      ).rev;
    }
    const over = await post(
      "workspace.autosave",
      JSON.stringify({ id: s.id, baseRev: rev, buffers: { f4: chunk } }),
      auth,
    );
    expect(over.status).toBe(413);
    const got = await u.api.workspace.get.query({ id: s.id });
    expect(got.rev).toBe(4);
    expect(Object.keys(got.buffers).sort()).toEqual(["f0", "f1", "f2", "f3"]);
  });

  it("cookie-authenticated mutations need the server's Origin (CSRF)", async () => {
    const u = await signUp();
    const cookie = { cookie: `hearth_refresh=${u.b.cookie}` };
    for (const origin of ["https://evil.example", "null", `${ts.url}.evil.example`]) {
      const r = await post("auth.refresh", "{}", { ...cookie, origin });
      expect(r.status, origin).toBe(403);
      expect(r.headers.getSetCookie()).toEqual([]);
    }
    const noOrigin = await fetch(`${ts.trpcUrl}/auth.refresh`, {
      method: "POST",
      headers: { "content-type": "application/json", ...cookie },
      body: "{}",
    });
    expect(noOrigin.status).toBe(403);
    const logout = await post("auth.logout", "{}", { ...cookie, origin: "https://evil.example" });
    expect(logout.status).toBe(403);
    // Still signed in: the refused requests changed nothing.
    const ok = await post("auth.refresh", "{}", cookie);
    expect(ok.status).toBe(200);
  });
});
