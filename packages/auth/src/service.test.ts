import { randomBytes } from "node:crypto";
import {
  ConflictError,
  checkConsistency,
  createRepositories,
  NotFoundError,
  openSqliteStore,
  type Repositories,
  type Store,
  ValidationError,
} from "@hearth/db";
import argon2 from "argon2";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthError } from "./errors";
import { createSmtpMailer } from "./mail";
import { needsRehash, verifyPassword } from "./passwords";
import { parseRefreshToken } from "./refresh";
import { AuthService, type ClientInfo } from "./service";
import { linkIn, startTestSmtpServer, type TestSmtpServer } from "./test-smtp";
import { createAccessTokenSigner } from "./tokens";

const BASE_URL = "http://hearth.test:3000";
const laptop: ClientInfo = { ip: "192.0.2.10", userAgent: "Firefox on a laptop" };
const phone: ClientInfo = { ip: "198.51.100.7", userAgent: "Safari on a phone" };

let smtp: TestSmtpServer;
let store: Store;
let repos: Repositories;
let auth: AuthService;
let now: Date;
let emailSeq = 0;

const tick = (ms: number): void => {
  now = new Date(now.getTime() + ms);
};

beforeAll(async () => {
  smtp = await startTestSmtpServer();
});

afterAll(async () => {
  await smtp.close();
});

beforeEach(async () => {
  now = new Date("2026-11-29T10:00:00.000Z");
  store = openSqliteStore({ filename: ":memory:" });
  repos = createRepositories(store);
  const clock = () => now;
  const signer = await createAccessTokenSigner({
    secret: new Uint8Array(randomBytes(32)),
    now: clock,
  });
  auth = new AuthService({
    store,
    repositories: repos,
    signer,
    mailer: createSmtpMailer({ url: smtp.url, from: "Hearth <hearth@hearth.test>" }),
    publicBaseUrl: `${BASE_URL}/`,
    clock,
    onBackgroundError: (err) => {
      throw err;
    },
  });
});

afterEach(async () => {
  await auth.drain();
  expect(await checkConsistency(store)).toEqual([]);
  await store.close();
});

function freshEmail(): string {
  emailSeq++;
  return `user${emailSeq}.${process.pid}@example.test`;
}

async function registered(password = "first password", client: ClientInfo = laptop) {
  const email = freshEmail();
  const result = await auth.register(
    { email, password, firstName: "Ada", lastName: "Lovelace" },
    client,
  );
  // Take the verification mail so later waits see only newer mail.
  const verification = await smtp.nextMailTo(email);
  return { email, password, result, verification };
}

async function auditActions(tenantId: string): Promise<string[]> {
  return (await repos.audit.list(tenantId)).items.map((e) => e.action);
}

async function refusedWithAuthError(promise: Promise<unknown>): Promise<AuthError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  return err as AuthError;
}

describe("register", () => {
  it("creates the user and their Self tenant, signs in, and mails a verification link", async () => {
    const { email, result, verification } = await registered();
    expect(result.user).not.toHaveProperty("passwordHash");
    expect(result.user.email).toBe(email);
    expect(result.user.emailVerified).toBe(false);
    expect(result.tenant.type).toBe("Self");
    expect(result.user.tenantId).toBe(result.tenant.id);
    expect(result.role).toBe("Admin");

    const who = await auth.authenticate(result.accessToken);
    expect(who).toMatchObject({
      userId: result.user.id,
      tenantId: result.tenant.id,
      role: "Admin",
    });

    const link = linkIn(verification);
    expect(`${link.origin}${link.pathname}`).toBe(`${BASE_URL}/verify-email`);
    const verified = await auth.verifyEmail({ token: link.searchParams.get("token")! }, laptop);
    expect(verified.emailVerified).toBe(true);
    expect((await repos.users.getById(result.user.id))?.emailVerified).toBe(true);
    // Single use.
    await expect(
      auth.verifyEmail({ token: link.searchParams.get("token")! }),
    ).rejects.toBeInstanceOf(ValidationError);

    const events = (await repos.audit.list(result.tenant.id)).items;
    const registerEvent = events.find((e) => e.action === "auth.register");
    expect(registerEvent).toMatchObject({
      actorUserId: result.user.id,
      tenantId: result.tenant.id,
      ipAddress: laptop.ip,
      userAgent: laptop.userAgent,
      at: now.toISOString(),
    });
  });

  it("refuses a taken email in any case, and a password outside 8-256 characters", async () => {
    const { email } = await registered();
    await expect(
      auth.register({
        email: email.toUpperCase(),
        password: "another password",
        firstName: "B",
        lastName: "C",
      }),
    ).rejects.toBeInstanceOf(ConflictError);

    const other = freshEmail();
    for (const password of ["short", "x".repeat(257)]) {
      await expect(
        auth.register({ email: other, password, firstName: "A", lastName: "B" }),
      ).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(
      auth.register({
        email: "not an email",
        password: "long enough",
        firstName: "",
        lastName: "",
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await repos.users.getByEmail(other)).toBeNull();
  });
});

describe("login", () => {
  it("signs in with the right password and records lastLoginAt", async () => {
    const { email, password, result } = await registered();
    tick(60_000);
    const login = await auth.login({ email: ` ${email.toUpperCase()} `, password }, phone);
    expect(login.user.id).toBe(result.user.id);
    expect(login.user.lastLoginAt).toBe(now.toISOString());
    expect(login.auth.tokenFamily).not.toBe(result.auth.tokenFamily);
    expect(parseRefreshToken(login.refreshToken)?.sessionId).toBe(login.auth.sessionId);
    expect(await auth.authenticate(login.accessToken)).not.toBeNull();
    expect(await auditActions(result.tenant.id)).toContain("auth.login");
  });

  it("a sign-in clears the user's expired sign-in records, and only those", async () => {
    const { email, password, result } = await registered();
    const refreshed = await auth.refresh(result.refreshToken);
    tick(31 * 86_400_000);
    const login = await auth.login({ email, password }, phone);
    await auth.drain();
    const family = (fam: string) => repos.authSessions.listByFamily(result.tenant.id, fam);
    expect(await family(refreshed.auth.tokenFamily)).toEqual([]);
    expect((await family(login.auth.tokenFamily)).length).toBe(1);
  });

  it("refuses a wrong password and an unknown email with the same error, auditing the first", async () => {
    const { email, result } = await registered();
    const wrong = await refusedWithAuthError(
      auth.login({ email, password: "wrong password" }, phone),
    );
    const unknown = await refusedWithAuthError(
      auth.login({ email: freshEmail(), password: "wrong password" }, phone),
    );
    expect(wrong.message).toBe(unknown.message);
    const failed = (await repos.audit.list(result.tenant.id)).items.find(
      (e) => e.action === "auth.login_failed",
    );
    expect(failed).toMatchObject({ actorUserId: result.user.id, ipAddress: phone.ip });
  });

  it("refuses a deactivated user even with the right password", async () => {
    const { email, password, result } = await registered();
    await repos.users.update(result.user.id, { isActive: false });
    await refusedWithAuthError(auth.login({ email, password }));
  });

  it("rehashes a password stored with older parameters", async () => {
    const email = freshEmail();
    const oldHash = await argon2.hash("legacy password", {
      type: argon2.argon2id,
      memoryCost: 4096,
      timeCost: 3,
      parallelism: 1,
    });
    const { user } = await repos.users.createWithTenant({
      email,
      passwordHash: oldHash,
      firstName: "Old",
      lastName: "Timer",
    });
    await auth.login({ email, password: "legacy password" });
    const stored = (await repos.users.getById(user.id))!.passwordHash;
    expect(stored).not.toBe(oldHash);
    expect(needsRehash(stored)).toBe(false);
    expect(await verifyPassword(stored, "legacy password")).toBe(true);
  });
});

describe("refresh", () => {
  it("rotates: a new session in the same family, the old one marked rotated", async () => {
    const { result } = await registered();
    tick(5 * 60_000);
    const refreshed = await auth.refresh(result.refreshToken, phone);
    expect(refreshed.refreshToken).toBeDefined();
    expect(refreshed.refreshToken).not.toBe(result.refreshToken);
    expect(refreshed.auth.tokenFamily).toBe(result.auth.tokenFamily);
    expect(refreshed.refreshTokenExpiresAt!.getTime()).toBe(now.getTime() + 30 * 86_400_000);

    const old = await repos.authSessions.getById(result.auth.sessionId);
    const current = await repos.authSessions.getById(refreshed.auth.sessionId);
    expect(old).toMatchObject({ status: "rotated", rotatedTo: current!.id });
    expect(current).toMatchObject({
      status: "active",
      tokenFamily: result.auth.tokenFamily,
      ipAddress: phone.ip,
    });
    expect(await auth.authenticate(refreshed.accessToken)).toMatchObject({
      sessionId: current!.id,
    });
    // Access tokens of the rotated session keep working while the family lives.
    expect(await auth.authenticate(result.accessToken)).not.toBeNull();
    // And the new refresh token rotates again.
    tick(60_000);
    expect((await auth.refresh(refreshed.refreshToken!)).refreshToken).toBeDefined();
  });

  it("within the grace window, a rotated token earns an access token but no new refresh token", async () => {
    const { result } = await registered();
    const first = await auth.refresh(result.refreshToken);
    tick(9_000);
    const again = await auth.refresh(result.refreshToken);
    expect(again.refreshToken).toBeUndefined();
    expect(again.auth.sessionId).toBe(first.auth.sessionId);
    expect(await auth.authenticate(again.accessToken)).toMatchObject({
      sessionId: first.auth.sessionId,
    });
    // Nothing was rotated again: the family has exactly two sessions.
    const family = await repos.authSessions.listByFamily(result.tenant.id, result.auth.tokenFamily);
    expect(family.map((s) => s.status).sort()).toEqual(["active", "rotated"]);
  });

  it("two tabs refreshing at once: one rotation, both get an access token", async () => {
    const { result } = await registered();
    const [a, b] = await Promise.all([
      auth.refresh(result.refreshToken),
      auth.refresh(result.refreshToken),
    ]);
    const rotatedOnce = [a, b].filter((r) => r.refreshToken !== undefined);
    expect(rotatedOnce).toHaveLength(1);
    expect(await auth.authenticate(a.accessToken)).not.toBeNull();
    expect(await auth.authenticate(b.accessToken)).not.toBeNull();
    expect(a.auth.sessionId).toBe(b.auth.sessionId);
  });

  it("after the grace window, reuse revokes the whole family and is audited", async () => {
    const { result } = await registered();
    const other = await auth.login({ email: result.user.email, password: "first password" });
    const rotated = await auth.refresh(result.refreshToken);
    tick(10_001);
    await refusedWithAuthError(auth.refresh(result.refreshToken, phone));

    expect(await auth.authenticate(rotated.accessToken)).toBeNull();
    expect(await auth.authenticate(result.accessToken)).toBeNull();
    await refusedWithAuthError(auth.refresh(rotated.refreshToken));
    // Another device's family is untouched.
    expect(await auth.authenticate(other.accessToken)).not.toBeNull();

    const reuse = (await repos.audit.list(result.tenant.id)).items.find(
      (e) => e.action === "auth.refresh_reuse",
    );
    expect(reuse).toMatchObject({
      actorUserId: result.user.id,
      ipAddress: phone.ip,
      detail: { tokenFamily: result.auth.tokenFamily },
    });
  });

  it("a wrong secret for a real session is refused without touching the family", async () => {
    const { result } = await registered();
    const { sessionId } = parseRefreshToken(result.refreshToken)!;
    const forged = `${sessionId}.${randomBytes(32).toString("base64url")}`;
    await refusedWithAuthError(auth.refresh(forged));
    await refusedWithAuthError(auth.refresh("garbage"));
    await refusedWithAuthError(auth.refresh(null));
    expect(await auth.authenticate(result.accessToken)).not.toBeNull();
    expect((await auth.refresh(result.refreshToken)).refreshToken).toBeDefined();
    expect(await auditActions(result.tenant.id)).not.toContain("auth.refresh_reuse");
  });

  it("refuses a refresh token past its 30 days, and slides the lifetime on rotation", async () => {
    const { result } = await registered();
    tick(29 * 86_400_000);
    const refreshed = await auth.refresh(result.refreshToken);
    tick(29 * 86_400_000);
    const again = await auth.refresh(refreshed.refreshToken);
    tick(30 * 86_400_000 + 1);
    await refusedWithAuthError(auth.refresh(again.refreshToken));
  });
});

describe("authenticate", () => {
  it("refuses an expired access token and garbage", async () => {
    const { result } = await registered();
    expect(await auth.authenticate("not.a.jwt")).toBeNull();
    expect(await auth.authenticate("")).toBeNull();
    expect(await auth.authenticate(undefined)).toBeNull();
    tick(15 * 60_000);
    expect(await auth.authenticate(result.accessToken)).toBeNull();
    await expect(auth.requireAuth(result.accessToken)).rejects.toBeInstanceOf(AuthError);
  });

  it("refuses a token, signed and unexpired, whose session was deleted", async () => {
    const { result } = await registered();
    const other = await auth.login({ email: result.user.email, password: "first password" });
    const who = (await auth.authenticate(result.accessToken))!;
    expect(who.userId).toBe(result.user.id);
    await repos.authSessions.delete(who.sessionId, who.tenantId);
    expect(await repos.authSessions.getById(who.sessionId)).toBeNull();
    expect(await auth.authenticate(result.accessToken)).toBeNull();
    await refusedWithAuthError(auth.refresh(result.refreshToken));
    // Only that session: another sign-in of the same user is untouched.
    expect(await auth.authenticate(other.accessToken)).not.toBeNull();
  });
});

describe("logout", () => {
  it("logout ends the current family on the very next request", async () => {
    const { result } = await registered();
    const phoneLogin = await auth.login({ email: result.user.email, password: "first password" });
    const who = (await auth.authenticate(result.accessToken))!;
    await auth.logout(who, laptop);
    expect(await auth.authenticate(result.accessToken)).toBeNull();
    await refusedWithAuthError(auth.refresh(result.refreshToken));
    expect(await auth.authenticate(phoneLogin.accessToken)).not.toBeNull();
    expect(await auditActions(result.tenant.id)).toContain("auth.logout");
  });

  it("logout with only the refresh token ends that family", async () => {
    const { result } = await registered();
    await auth.logoutWithRefreshToken(result.refreshToken);
    expect(await auth.authenticate(result.accessToken)).toBeNull();
    // Unknown or malformed tokens are ignored.
    await auth.logoutWithRefreshToken("garbage");
    await auth.logoutWithRefreshToken(undefined);
  });

  it("logoutAll ends every family of the user", async () => {
    const { result } = await registered();
    const second = await auth.login(
      { email: result.user.email, password: "first password" },
      phone,
    );
    const rotated = await auth.refresh(second.refreshToken);
    await auth.logoutAll(result.auth, laptop);
    expect(await auth.authenticate(result.accessToken)).toBeNull();
    expect(await auth.authenticate(second.accessToken)).toBeNull();
    expect(await auth.authenticate(rotated.accessToken)).toBeNull();
    await refusedWithAuthError(auth.refresh(rotated.refreshToken!));
    expect(await auditActions(result.tenant.id)).toContain("auth.logout_all");
  });
});

describe("devices", () => {
  it("lists active families with their client, marks the current one, and revokes another", async () => {
    const { result } = await registered("first password", laptop);
    tick(60_000);
    const onPhone = await auth.login(
      { email: result.user.email, password: "first password" },
      phone,
    );
    tick(60_000);
    await auth.refresh(onPhone.refreshToken, phone);

    const devices = await auth.devices(result.auth);
    expect(devices).toHaveLength(2);
    const [newest, oldest] = devices;
    expect(newest).toMatchObject({
      tokenFamily: onPhone.auth.tokenFamily,
      userAgent: phone.userAgent,
      ipAddress: phone.ip,
      current: false,
      createdAt: "2026-11-29T10:01:00.000Z",
      lastUsedAt: "2026-11-29T10:02:00.000Z",
    });
    expect(oldest).toMatchObject({
      tokenFamily: result.auth.tokenFamily,
      userAgent: laptop.userAgent,
      current: true,
      createdAt: "2026-11-29T10:00:00.000Z",
    });

    await auth.revokeDevice(result.auth, onPhone.auth.tokenFamily, laptop);
    expect(await auth.authenticate(onPhone.accessToken)).toBeNull();
    expect((await auth.devices(result.auth)).map((d) => d.tokenFamily)).toEqual([
      result.auth.tokenFamily,
    ]);
  });

  it("cannot revoke another user's family or an unknown one", async () => {
    const a = await registered();
    const b = await registered();
    await expect(
      auth.revokeDevice(a.result.auth, b.result.auth.tokenFamily),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(auth.revokeDevice(a.result.auth, "nosuchfamily")).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await auth.authenticate(b.result.accessToken)).not.toBeNull();
  });
});

describe("passwords", () => {
  it("changePassword checks the current password and ends every other family", async () => {
    const { email, result } = await registered();
    const phoneLogin = await auth.login({ email, password: "first password" }, phone);
    await refusedWithAuthError(
      auth.changePassword(result.auth, {
        currentPassword: "not it at all",
        newPassword: "second password",
      }),
    );
    await expect(
      auth.changePassword(result.auth, { currentPassword: "first password", newPassword: "short" }),
    ).rejects.toBeInstanceOf(ValidationError);

    await auth.changePassword(
      result.auth,
      { currentPassword: "first password", newPassword: "second password" },
      laptop,
    );
    expect(await auth.authenticate(result.accessToken)).not.toBeNull();
    expect(await auth.authenticate(phoneLogin.accessToken)).toBeNull();
    await refusedWithAuthError(auth.refresh(phoneLogin.refreshToken));
    expect((await auth.refresh(result.refreshToken)).refreshToken).toBeDefined();

    await refusedWithAuthError(auth.login({ email, password: "first password" }));
    expect((await auth.login({ email, password: "second password" })).user.email).toBe(email);
    expect(await auditActions(result.tenant.id)).toContain("auth.password_changed");
  });

  it("a reset link sets the new password, ends every family, and works once", async () => {
    const { email, result } = await registered();
    await auth.requestPasswordReset({ email: email.toUpperCase() }, phone);
    const mail = await smtp.nextMailTo(email);
    const link = linkIn(mail);
    expect(`${link.origin}${link.pathname}`).toBe(`${BASE_URL}/reset-password`);
    const token = link.searchParams.get("token")!;

    // A refused password does not use up the link.
    await expect(auth.resetPassword({ token, newPassword: "short" })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await auth.resetPassword({ token, newPassword: "brand new password" }, phone);
    expect(await auth.authenticate(result.accessToken)).toBeNull();
    await refusedWithAuthError(auth.login({ email, password: "first password" }));
    const login = await auth.login({ email, password: "brand new password" });
    expect(login.user.emailVerified).toBe(true);

    await expect(
      auth.resetPassword({ token, newPassword: "yet another password" }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await auditActions(result.tenant.id)).toContain("auth.password_reset");
  });

  it("a reset link expires after an hour", async () => {
    const { email } = await registered();
    await auth.requestPasswordReset({ email });
    const token = linkIn(await smtp.nextMailTo(email)).searchParams.get("token")!;
    tick(60 * 60_000);
    await expect(
      auth.resetPassword({ token, newPassword: "brand new password" }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      auth.resetPassword({ token: "made-up", newPassword: "brand new password" }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("answers a reset request for an unknown email the same way, and mails nothing", async () => {
    const unknown = freshEmail();
    const before = smtp.mails.length;
    await expect(auth.requestPasswordReset({ email: unknown })).resolves.toBeUndefined();
    await expect(auth.requestPasswordReset({ email: "" })).resolves.toBeUndefined();
    await auth.drain();
    expect(smtp.mails.length).toBe(before);
  });

  it("a verification link cannot reset a password, nor a reset link verify", async () => {
    const { email, verification } = await registered();
    const verifyToken = linkIn(verification).searchParams.get("token")!;
    await expect(
      auth.resetPassword({ token: verifyToken, newPassword: "brand new password" }),
    ).rejects.toBeInstanceOf(ValidationError);
    await auth.requestPasswordReset({ email });
    const resetToken = linkIn(await smtp.nextMailTo(email)).searchParams.get("token")!;
    await expect(auth.verifyEmail({ token: resetToken })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("email verification", () => {
  it("resends a working link until the email is verified", async () => {
    const { email, result } = await registered();
    expect(await auth.resendVerification(result.auth)).toEqual({ sent: true });
    const token = linkIn(await smtp.nextMailTo(email)).searchParams.get("token")!;
    await auth.verifyEmail({ token });
    expect(await auth.resendVerification(result.auth)).toEqual({ sent: false });
  });

  it("an expired verification link is refused", async () => {
    const { verification } = await registered();
    tick(60 * 60_000 + 1);
    await expect(
      auth.verifyEmail({ token: linkIn(verification).searchParams.get("token")! }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("switchTenant", () => {
  it("issues tokens for a tenant the user belongs to and ends the previous family", async () => {
    const { result } = await registered();
    const org = await repos.tenants.create({
      name: "Acme",
      plan: "Pro",
      owner: { userId: result.user.id, role: "Developer" },
    });
    const switched = await auth.switchTenant(result.auth, org.id, laptop, result.refreshToken);
    expect(switched.tenant.id).toBe(org.id);
    expect(switched.role).toBe("Developer");
    expect(await auth.authenticate(switched.accessToken)).toMatchObject({
      tenantId: org.id,
      role: "Developer",
    });
    expect(await auth.authenticate(result.accessToken)).toBeNull();
    expect((await auth.refresh(switched.refreshToken)).auth.tenantId).toBe(org.id);
  });

  it("treats a tenant the user is not in like a missing one", async () => {
    const a = await registered();
    const b = await registered();
    await expect(
      auth.switchTenant(a.result.auth, b.result.tenant.id, {}, a.result.refreshToken),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      auth.switchTenant(a.result.auth, "nosuchtenant", {}, a.result.refreshToken),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await auth.authenticate(a.result.accessToken)).not.toBeNull();
  });

  it("needs the sign-in's own refresh token: an access token alone, or another sign-in's token, changes nothing", async () => {
    const { result } = await registered();
    const other = await auth.login(
      { email: result.user.email, password: "first password" },
      laptop,
    );
    const org = await repos.tenants.create({
      name: "Acme",
      plan: "Pro",
      owner: { userId: result.user.id },
    });
    for (const token of [null, "not-a-token", other.refreshToken]) {
      await refusedWithAuthError(auth.switchTenant(result.auth, org.id, laptop, token));
    }
    expect(await auth.authenticate(result.accessToken)).not.toBeNull();
    expect((await auth.refresh(result.refreshToken)).auth.tenantId).toBe(result.tenant.id);
  });

  it("a removed member's tokens stop working and cannot be refreshed", async () => {
    const owner = await registered();
    const member = await registered();
    const org = await repos.tenants.create({
      name: "Acme",
      plan: "Pro",
      owner: { userId: owner.result.user.id },
    });
    await repos.users.addMembership(org.id, member.result.user.id, "Viewer");
    const inOrg = await auth.switchTenant(
      member.result.auth,
      org.id,
      {},
      member.result.refreshToken,
    );
    await repos.users.removeMembership(org.id, member.result.user.id);
    expect(await auth.authenticate(inOrg.accessToken)).toBeNull();
    await refusedWithAuthError(auth.refresh(inOrg.refreshToken));
  });
});
