import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createHarness,
  expectCode,
  type Harness,
  ORIGIN,
  type SignedInClient,
  shapeOf,
} from "../../testing/harness";

let h: Harness;

beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

/** The token of the newest mailed link to `email` with `path` (/verify-email...). */
async function mailedToken(email: string, path: string): Promise<string> {
  await h.auth.drain();
  const mail = [...h.mails].reverse().find((m) => m.includes(email) && m.includes(path));
  const token = mail && /token=([A-Za-z0-9_-]+)/.exec(mail)?.[1];
  if (!token) throw new Error(`no ${path} mail to ${email}`);
  return token;
}

async function signIn(who: SignedInClient, opts?: { userAgent?: string }) {
  const c = h.client(opts);
  const res = await (await c.api()).auth.login({ email: who.email, password: who.password });
  c.accessToken = res.accessToken;
  return c;
}

describe("register and login", () => {
  it("register creates the user and their tenant, answers a token and sets the cookie", async () => {
    const c = h.client();
    const res = await (await c.api()).auth.register({
      email: " Grace@Example.com ",
      password: "hopper hopper",
      firstName: "Grace",
      lastName: "Hopper",
    });
    expect(res).toMatchObject({
      user: { email: "Grace@Example.com", firstName: "Grace", emailVerified: false },
      tenant: { type: "Self", plan: "Free" },
      role: "Admin",
    });
    expect(JSON.stringify(res)).not.toMatch(/passwordHash|refreshTokenHash|argon2/);
    expect(Date.parse(res.accessTokenExpiresAt) - h.clock().getTime()).toBeLessThanOrEqual(
      15 * 60_000,
    );
    expect(c.refreshCookie).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    c.accessToken = res.accessToken;
    const me = await (await c.api()).auth.me();
    expect(me).toMatchObject({
      user: { id: res.user.id },
      tenant: { id: res.tenant.id },
      role: "Admin",
      memberships: [{ tenant: { id: res.tenant.id, type: "Self" }, role: "Admin" }],
    });
  });

  it("a taken email (any case) is CONFLICT; bad input is BAD_REQUEST with zod issues", async () => {
    const grace = await h.register({ email: "grace@example.com" });
    const api = await h.client().api();
    const input = {
      email: "GRACE@example.com",
      password: "another one",
      firstName: "G",
      lastName: "",
    };
    await expectCode(api.auth.register(input), "CONFLICT");
    const err = await expectCode(
      api.auth.register({ ...input, email: "not-an-email", password: "short" }),
      "BAD_REQUEST",
    );
    const shape = shapeOf(err);
    expect(Object.keys(shape.data.zodError?.fieldErrors ?? {}).sort()).toEqual([
      "email",
      "password",
    ]);
    expect(shape.message).toMatch(/^Invalid input\./);
    expect(grace.userId).toBeTruthy();
  });

  it("login answers tokens for the right password and UNAUTHORIZED otherwise, alike for unknown emails", async () => {
    const ada = await h.register();
    const c = await signIn(ada);
    expect((await (await c.api()).auth.me()).user.id).toBe(ada.userId);
    const api = await h.client().api();
    const wrong = await expectCode(
      api.auth.login({ email: ada.email, password: "wrong password" }),
      "UNAUTHORIZED",
    );
    const unknown = await expectCode(
      api.auth.login({ email: "nobody@example.com", password: "wrong password" }),
      "UNAUTHORIZED",
    );
    expect(wrong.message).toBe(unknown.message);
  });
});

describe("refresh", () => {
  it("rotates the cookie and answers a new access token; needs Hearth's Origin", async () => {
    const ada = await h.register();
    const c = ada.client;
    const first = c.refreshCookie;
    for (const origin of [null, "https://evil.example", "http://hearth.test.evil.example"]) {
      c.origin = origin;
      await expectCode((await c.api()).auth.refresh(), "FORBIDDEN");
    }
    expect(c.refreshCookie).toBe(first);
    c.origin = ORIGIN;
    h.advance(60_000);
    const r = await (await c.api()).auth.refresh({});
    expect(r.accessToken).not.toBe(c.accessToken);
    expect(c.refreshCookie).not.toBe(first);
    c.accessToken = r.accessToken;
    expect((await (await c.api()).auth.me()).user.id).toBe(ada.userId);
  });

  it("an old cookie within the grace window earns a token but no new cookie; later it ends the family", async () => {
    const ada = await h.register();
    const old = ada.client.refreshCookie!;
    await (await ada.client.api()).auth.refresh();
    const current = ada.client.refreshCookie!;

    const tab2 = h.client();
    tab2.cookies.set("hearth_refresh", old);
    const r = await (await tab2.api()).auth.refresh();
    expect(r.accessToken).toBeTruthy();
    expect(tab2.refreshCookie).toBe(old);

    h.advance(60_000);
    await expectCode((await tab2.api()).auth.refresh(), "UNAUTHORIZED");
    expect(tab2.refreshCookie).toBeUndefined();
    // The whole family is gone: the legitimate cookie and the access token too.
    await expectCode((await ada.client.api()).auth.refresh(), "UNAUTHORIZED");
    expect(current).not.toBe(old);
    await expectCode((await ada.client.api()).auth.me(), "UNAUTHORIZED");

    const again = await signIn(ada);
    const events = await (await again.api()).audit.list();
    expect(events.items.map((e) => e.action)).toContain("auth.refresh_reuse");
  });

  it("without a cookie, or with a forged one, refresh is UNAUTHORIZED", async () => {
    const c = h.client();
    await expectCode((await c.api()).auth.refresh(), "UNAUTHORIZED");
    c.cookies.set("hearth_refresh", `01abcdefgh.${"A".repeat(43)}`);
    await expectCode((await c.api()).auth.refresh(), "UNAUTHORIZED");
  });
});

describe("signing out", () => {
  it("logout ends the current family: its access token and cookie are refused next", async () => {
    const ada = await h.register();
    const other = await signIn(ada);
    const cookie = ada.client.refreshCookie!;
    expect(await (await ada.client.api()).auth.logout()).toEqual({ ok: true });
    expect(ada.client.refreshCookie).toBeUndefined();
    await expectCode((await ada.client.api()).auth.me(), "UNAUTHORIZED");
    ada.client.cookies.set("hearth_refresh", cookie);
    await expectCode((await ada.client.api()).auth.refresh(), "UNAUTHORIZED");
    // Another device stays signed in.
    expect((await (await other.api()).auth.me()).user.id).toBe(ada.userId);
  });

  it("logout with only the cookie (expired access token) needs the Origin and ends that family", async () => {
    const ada = await h.register();
    const c = ada.client;
    c.accessToken = null;
    c.origin = "https://evil.example";
    await expectCode((await c.api()).auth.logout(), "FORBIDDEN");
    c.origin = ORIGIN;
    await (await c.api()).auth.logout();
    expect(c.refreshCookie).toBeUndefined();
    await expectCode((await h.client().api()).auth.logout(), "UNAUTHORIZED");
  });

  it("logoutAll ends every family; each is refused on its very next request", async () => {
    const ada = await h.register();
    const laptop = await signIn(ada);
    const phone = await signIn(ada);
    await (await laptop.api()).auth.logoutAll();
    for (const c of [ada.client, laptop, phone]) {
      await expectCode((await c.api()).auth.me(), "UNAUTHORIZED");
      await expectCode((await c.api()).auth.refresh(), "UNAUTHORIZED");
    }
  });

  it("a deactivated user is refused on every device's next request, and reactivating brings no session back", async () => {
    const ada = await h.register();
    const laptop = await signIn(ada);
    await h.repos.users.update(ada.userId, { isActive: false });
    for (const c of [ada.client, laptop]) {
      await expectCode((await c.api()).auth.me(), "UNAUTHORIZED");
      await expectCode((await c.api()).auth.refresh(), "UNAUTHORIZED");
    }
    await expectCode(
      (await h.client().api()).auth.login({ email: ada.email, password: ada.password }),
      "UNAUTHORIZED",
    );
    await h.repos.users.update(ada.userId, { isActive: true });
    await expectCode((await laptop.api()).auth.me(), "UNAUTHORIZED");
    const back = await (await h.client().api()).auth.login({
      email: ada.email,
      password: ada.password,
    });
    expect(back.user.id).toBe(ada.userId);
  });

  it("devices lists active families; revokeDevice ends one, not someone else's", async () => {
    const ada = await h.register();
    const phone = await signIn(ada, { userAgent: "phone/2" });
    const list = await (await ada.client.api()).auth.devices();
    expect(list).toHaveLength(2);
    expect(list.filter((d) => d.current)).toHaveLength(1);
    const phoneFamily = list.find((d) => d.userAgent === "phone/2")!;
    expect(phoneFamily).toMatchObject({ current: false, ipAddress: "203.0.113.7" });
    expect(Object.keys(phoneFamily).sort()).toEqual(
      ["createdAt", "current", "ipAddress", "lastUsedAt", "tokenFamily", "userAgent"].sort(),
    );

    const bob = await h.register();
    await expectCode(
      (await bob.client.api()).auth.revokeDevice({ tokenFamily: phoneFamily.tokenFamily }),
      "NOT_FOUND",
    );
    await (await phone.api()).auth.me();
    await (await ada.client.api()).auth.revokeDevice({ tokenFamily: phoneFamily.tokenFamily });
    await expectCode((await phone.api()).auth.me(), "UNAUTHORIZED");
    expect(await (await ada.client.api()).auth.devices()).toHaveLength(1);
  });
});

describe("passwords and email", () => {
  it("changePassword keeps only the current family and needs the current password", async () => {
    const ada = await h.register();
    const other = await signIn(ada);
    const api = await ada.client.api();
    await expectCode(
      api.auth.changePassword({ currentPassword: "not it at all", newPassword: "brand new pass" }),
      "UNAUTHORIZED",
    );
    await api.auth.changePassword({ currentPassword: ada.password, newPassword: "brand new pass" });
    expect((await api.auth.me()).user.id).toBe(ada.userId);
    await expectCode((await other.api()).auth.me(), "UNAUTHORIZED");
    const anon = await h.client().api();
    await expectCode(anon.auth.login({ email: ada.email, password: ada.password }), "UNAUTHORIZED");
    await anon.auth.login({ email: ada.email, password: "brand new pass" });
  });

  it("verifyEmail follows the mailed link once; resendVerification mails a new one", async () => {
    const ada = await h.register();
    const api = await ada.client.api();
    expect(await api.auth.resendVerification()).toEqual({ sent: true });
    const token = await mailedToken(ada.email, "/verify-email");
    const anon = await h.client().api();
    const res = await anon.auth.verifyEmail({ token });
    expect(res.user).toMatchObject({ id: ada.userId, emailVerified: true });
    await expectCode(anon.auth.verifyEmail({ token }), "BAD_REQUEST");
    expect((await api.auth.me()).user.emailVerified).toBe(true);
    expect(await api.auth.resendVerification()).toEqual({ sent: false });
  });

  it("requestPasswordReset answers alike for unknown emails; resetPassword ends every family", async () => {
    const ada = await h.register();
    const anon = await h.client().api();
    expect(await anon.auth.requestPasswordReset({ email: "nobody@example.com" })).toEqual({
      ok: true,
    });
    expect(await anon.auth.requestPasswordReset({ email: ada.email.toUpperCase() })).toEqual({
      ok: true,
    });
    const token = await mailedToken(ada.email, "/reset-password");
    await expectCode(anon.auth.resetPassword({ token, newPassword: "short" }), "BAD_REQUEST");
    await anon.auth.resetPassword({ token, newPassword: "a fresh secret" });
    await expectCode((await ada.client.api()).auth.me(), "UNAUTHORIZED");
    await expectCode(anon.auth.resetPassword({ token, newPassword: "again again" }), "BAD_REQUEST");
    await anon.auth.login({ email: ada.email, password: "a fresh secret" });
  });
});

describe("throttling", () => {
  /** Failed logins of `email` from `ip`, each answered UNAUTHORIZED. */
  async function fail(email: string, ip: string, times: number) {
    for (let i = 0; i < times; i++) {
      await expectCode(
        (await h.client({ ip }).api()).auth.login({ email, password: "guess guess" }),
        "UNAUTHORIZED",
      );
    }
  }

  it("10 failures of one email from one IP stop that IP for it, with retry-after; the owner still signs in from elsewhere", async () => {
    const ada = await h.register();
    await fail(ada.email, "198.51.100.66", 10);
    const guesser = h.client({ ip: "198.51.100.66" });
    const err = await expectCode(
      (await guesser.api()).auth.login({ email: ada.email, password: ada.password }),
      "TOO_MANY_REQUESTS",
    );
    const retry = shapeOf(err).data.retryAfterSeconds;
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(15 * 60);
    expect(guesser.headers.get("retry-after")).toBe(String(retry));
    expect(shapeOf(err).data.httpStatus).toBe(429);
    // Her own address is not locked out by someone else's guesses.
    await (await h.client({ ip: "198.51.100.1" }).api()).auth.login({
      email: ada.email,
      password: ada.password,
    });
    // Once the window has passed the right password works from the guesser's IP too.
    h.advance(15 * 60_000 + 1000);
    await (await guesser.api()).auth.login({ email: ada.email, password: ada.password });
  });

  it("an IP failing across many emails is stopped for every email, other IPs are not", async () => {
    const ada = await h.register();
    const { max } = h.config.throttle.loginPerIp;
    for (let i = 0; i < max; i++) await fail(`victim${i}@example.com`, "192.0.2.66", 1);
    await expectCode(
      (await h.client({ ip: "192.0.2.66" }).api()).auth.login({
        email: ada.email,
        password: ada.password,
      }),
      "TOO_MANY_REQUESTS",
    );
    await (await h.client({ ip: "192.0.2.1" }).api()).auth.login({
      email: ada.email,
      password: ada.password,
    });
  });

  it("a successful login clears the pair's failures and does not count against the IP", async () => {
    const ada = await h.register();
    for (let round = 0; round < 3; round++) {
      await fail(ada.email, "198.51.100.7", 9);
      const c = h.client({ ip: "198.51.100.7" });
      await (await c.api()).auth.login({ email: ada.email, password: ada.password });
    }
    expect(
      (await h.repos.throttle.peek("loginPerIp", "198.51.100.7", h.clock().getTime())).count,
    ).toBe(27);
  });

  it("registrations count per IP, successful ones too", async () => {
    const ada = await h.register({}, { ip: "192.0.2.9" });
    const c = h.client({ ip: "192.0.2.9" });
    const { max } = h.config.throttle.registerPerIp;
    for (let i = 1; i < max; i++) {
      const taken = i % 2 === 0;
      const attempt = (await c.api()).auth.register({
        email: taken ? ada.email : `new${i}@example.com`,
        password: "password123",
        firstName: "X",
        lastName: "Y",
      });
      if (taken) await expectCode(attempt, "CONFLICT");
      else await attempt;
    }
    await expectCode(
      (await c.api()).auth.register({
        email: "fresh@example.com",
        password: "password123",
        firstName: "X",
        lastName: "Y",
      }),
      "TOO_MANY_REQUESTS",
    );
    expect(await h.repos.users.getByEmail("fresh@example.com")).toBeNull();
    // Another IP registers as usual.
    await h.register({}, { ip: "192.0.2.10" });
  });

  it("wrong current passwords in changePassword are throttled", async () => {
    const ada = await h.register();
    const api = await ada.client.api();
    for (let i = 0; i < 10; i++) {
      await expectCode(
        api.auth.changePassword({ currentPassword: `guess ${i}`, newPassword: "new password" }),
        "UNAUTHORIZED",
      );
    }
    await expectCode(
      api.auth.changePassword({ currentPassword: ada.password, newPassword: "new password" }),
      "TOO_MANY_REQUESTS",
    );
  });
});

describe("audit", () => {
  it("records sign-in events with time, actor, tenant, ip and user agent; Admin only, newest first, paged", async () => {
    const ada = await h.register();
    h.advance(1000);
    await expectCode(
      (await h.client({ ip: "192.0.2.50", userAgent: "curl/8" }).api()).auth.login({
        email: ada.email,
        password: "wrong wrong",
      }),
      "UNAUTHORIZED",
    );
    h.advance(1000);
    const c = await signIn(ada);
    h.advance(1000);
    await (await c.api()).auth.logout();
    h.advance(1000);
    await (await ada.client.api()).auth.changePassword({
      currentPassword: ada.password,
      newPassword: "changed password",
    });
    h.advance(1000);
    await (await ada.client.api()).auth.logoutAll();
    h.advance(1000);
    const again = await signIn({ ...ada, password: "changed password" });
    const api = await again.api();
    const page1 = await api.audit.list({ limit: 3 });
    expect(page1.items.map((e) => e.action)).toEqual([
      "auth.login",
      "auth.logout_all",
      "auth.password_changed",
    ]);
    const page2 = await api.audit.list({ limit: 10, cursor: page1.nextCursor });
    expect(page2.items.map((e) => e.action)).toEqual([
      "auth.logout",
      "auth.login",
      "auth.login_failed",
      "auth.register",
    ]);
    expect(page2.nextCursor).toBeNull();
    const failed = page2.items[2]!;
    expect(failed).toMatchObject({
      actorUserId: ada.userId,
      tenantId: ada.tenantId,
      ipAddress: "192.0.2.50",
      userAgent: "curl/8",
    });
    expect(Date.parse(failed.at)).toBeGreaterThan(0);
  });
});

describe("authentication of every request", () => {
  it("no token, a malformed one or one signed elsewhere is UNAUTHORIZED", async () => {
    const c = h.client();
    await expectCode((await c.api()).auth.me(), "UNAUTHORIZED");
    for (const token of ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."]) {
      c.accessToken = token;
      await expectCode((await c.api()).workspace.list(), "UNAUTHORIZED");
    }
  });

  it("an access token past its expiry is refused", async () => {
    const ada = await h.register();
    h.advance(16 * 60_000);
    await expectCode((await ada.client.api()).auth.me(), "UNAUTHORIZED");
    const r = await (await ada.client.api()).auth.refresh();
    ada.client.accessToken = r.accessToken;
    await (await ada.client.api()).auth.me();
  });
});
