import {
  type AuditRepository,
  type AuthSession,
  type AuthSessionRepository,
  createRepositories,
  type EmailTokenRepository,
  idTimeMs,
  lineageOf,
  NotFoundError,
  newId,
  type Role,
  SessionNotActiveError,
  type Store,
  type Tenant,
  type TenantRepository,
  type Transaction,
  type User,
  type UserRepository,
  ValidationError,
  ZEmail,
} from "@hearth/db";
import { createEmailToken, EMAIL_TOKEN_TTL_MS, emailTokenHashOf } from "./email-tokens";
import { AuthError, MailOffError } from "./errors";
import type { Mailer } from "./mail";
import {
  dummyVerifyPassword,
  hashPassword,
  isAcceptablePassword,
  needsRehash,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyPassword,
} from "./passwords";
import {
  createRefreshToken,
  parseRefreshToken,
  REFRESH_TOKEN_TTL_SECONDS,
  secretMatchesHash,
} from "./refresh";
import type { AccessTokenClaims, AccessTokenSigner } from "./tokens";

/** Who is calling, for audit events and the devices list. */
export interface ClientInfo {
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
}

/** A user as it may leave the server: everything but the password hash. */
export type PublicUser = Omit<User, "passwordHash">;

function toPublicUser(user: User): PublicUser {
  const { passwordHash: _omit, ...rest } = user;
  return rest;
}

/** The caller behind a valid access token whose auth session is still alive. */
export interface AuthContext {
  userId: string;
  tenantId: string;
  /** The AuthSession the access token was issued with. */
  sessionId: string;
  tokenFamily: string;
  role: Role;
  accessTokenExpiresAt: Date;
}

export interface IssuedTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  /** Goes into the `hearth_refresh` cookie (serializeRefreshCookie). */
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export interface SignInResult extends IssuedTokens {
  user: PublicUser;
  tenant: Tenant;
  role: Role;
  auth: AuthContext;
}

export interface RefreshResult {
  accessToken: string;
  accessTokenExpiresAt: Date;
  /**
   * The rotated refresh token, to set as the new cookie. Absent when a just-rotated token
   * was presented again within the grace window: the cookie must then be left alone.
   */
  refreshToken?: string;
  refreshTokenExpiresAt?: Date;
  auth: AuthContext;
}

export interface Device {
  tokenFamily: string;
  ipAddress: string | null;
  userAgent: string | null;
  /** When this device signed in. */
  createdAt: string;
  lastUsedAt: string;
  /** The family of the access token asking. */
  current: boolean;
}

export interface RegisterInput {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
}

export interface AuthServiceRepositories {
  users: UserRepository;
  tenants: TenantRepository;
  authSessions: AuthSessionRepository;
  emailTokens: EmailTokenRepository;
  audit: AuditRepository;
}

export interface AuthServiceOptions {
  store: Store;
  /** Defaults to repositories over `store`. */
  repositories?: AuthServiceRepositories;
  signer: AccessTokenSigner;
  mailer: Mailer;
  /** Where links in mails point, e.g. `https://hearth.example.com` (no trailing slash needed). */
  publicBaseUrl: string;
  /** Defaults to the wall clock; give the signer the same clock. */
  clock?: () => Date;
  /** How long a rotated refresh token still earns an access token (default 10 s). */
  refreshGraceMs?: number;
  /** Refresh lifetime, renewed on every rotation (default 30 days). */
  refreshTtlMs?: number;
  /** Email link lifetime (default 1 hour). */
  emailTokenTtlMs?: number;
  /** Failures of work that happens after the answer (mail, audit). Defaults to console.error. */
  onBackgroundError?: (err: unknown, what: string) => void;
}

const MAX_CLIENT_FIELD = 512;
/** Rotations followed from an access token's session to its family's current one. */
const MAX_ROTATION_HOPS = 16;

function clip(value: string | null | undefined): string | null {
  if (value === undefined || value === null || value === "") return null;
  return value.length > MAX_CLIENT_FIELD ? value.slice(0, MAX_CLIENT_FIELD) : value;
}

function requirePassword(password: unknown): string {
  if (typeof password !== "string" || !isAcceptablePassword(password)) {
    throw new ValidationError(
      `Passwords have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`,
    );
  }
  return password;
}

function invalidLink(): ValidationError {
  return new ValidationError("This link is not valid any more. Ask for a new one.");
}

type SessionReader = (id: string, tenantId: string) => Promise<Readonly<AuthSession> | null>;

/** The family's current session, following rotations from `session`; null if none is. */
async function familyHead(
  session: Readonly<AuthSession>,
  sessionById: SessionReader,
): Promise<Readonly<AuthSession> | null> {
  let at: Readonly<AuthSession> | null = session;
  for (let hop = 0; at && hop <= MAX_ROTATION_HOPS; hop++) {
    if (at.status !== "rotated") return at.status === "active" ? at : null;
    if (!at.rotatedTo) return null;
    at = await sessionById(at.rotatedTo, at.tenantId);
  }
  return null;
}

/** Where each kind of mailed link leads, and what its background work is called in logs. */
const MAIL_LINKS = {
  verify: { what: "verification mail", page: "verify-email" },
  reset: { what: "password reset mail", page: "reset-password" },
} as const;

/**
 * The sign-in flows: registration, login, refresh-token rotation with reuse detection,
 * logout, password change and reset, email verification, devices, and the per-request
 * authentication check. Every failure a caller could learn from is a plain AuthError.
 */
export class AuthService {
  readonly signer: AccessTokenSigner;
  readonly mailer: Mailer;
  private readonly store: Store;
  private readonly repos: AuthServiceRepositories;
  private readonly now: () => Date;
  private readonly publicBaseUrl: string;
  private readonly refreshGraceMs: number;
  private readonly refreshTtlMs: number;
  private readonly emailTokenTtlMs: number;
  private readonly onBackgroundError: (err: unknown, what: string) => void;
  private readonly pending = new Set<Promise<void>>();

  constructor(opts: AuthServiceOptions) {
    this.store = opts.store;
    this.repos = opts.repositories ?? createRepositories(opts.store);
    this.signer = opts.signer;
    this.mailer = opts.mailer;
    this.now = opts.clock ?? (() => new Date());
    this.publicBaseUrl = opts.publicBaseUrl.replace(/\/+$/, "");
    this.refreshGraceMs = opts.refreshGraceMs ?? 10_000;
    this.refreshTtlMs = opts.refreshTtlMs ?? REFRESH_TOKEN_TTL_SECONDS * 1000;
    this.emailTokenTtlMs = opts.emailTokenTtlMs ?? EMAIL_TOKEN_TTL_MS;
    this.onBackgroundError =
      opts.onBackgroundError ?? ((err, what) => console.error(`hearth auth: ${what} failed`, err));
  }

  // --- sign-in -------------------------------------------------------------------------

  /** Creates the user and their Self tenant (atomically), signs them in, mails a link. */
  async register(input: RegisterInput, client: ClientInfo = {}): Promise<SignInResult> {
    const email = typeof input.email === "string" ? input.email.trim() : "";
    if (!ZEmail.safeParse(email).success)
      throw new ValidationError("That is not an email address.");
    for (const name of [input.firstName, input.lastName]) {
      if (typeof name !== "string" || name.length > 100) {
        throw new ValidationError("Names have at most 100 characters.");
      }
    }
    const password = requirePassword(input.password);
    const passwordHash = await hashPassword(password);
    const now = this.now();
    // A taken email surfaces as @hearth/db's ConflictError("email_taken").
    const { user, tenant } = await this.repos.users.createWithTenant({
      email,
      passwordHash,
      firstName: input.firstName,
      lastName: input.lastName,
      now,
    });
    const result = await this.startFamily(user, tenant, user.role, client, now);
    await this.audit(tenant.id, "auth.register", user.id, client, now);
    this.sendVerificationMail(user, now);
    return result;
  }

  /**
   * Email + password. Unknown emails cost one hash as well, and every refusal is the
   * same AuthError, so neither answer nor timing tells which emails exist.
   */
  async login(
    input: { email: string; password: string },
    client: ClientInfo = {},
  ): Promise<SignInResult> {
    const email = typeof input.email === "string" ? input.email.trim() : "";
    const password = typeof input.password === "string" ? input.password : "";
    const user = email && email.length <= 254 ? await this.repos.users.getByEmail(email) : null;
    if (!user) {
      await dummyVerifyPassword(password);
      throw new AuthError();
    }
    const ok = await verifyPassword(user.passwordHash, password);
    const now = this.now();
    if (!ok || !user.isActive) {
      await this.audit(user.tenantId, "auth.login_failed", user.id, client, now);
      throw new AuthError();
    }
    const tenant = await this.repos.tenants.getById(user.tenantId);
    if (tenant?.status !== "active") throw new AuthError();

    const patch: { lastLoginAt: string; passwordHash?: string; now: Date } = {
      lastLoginAt: now.toISOString(),
      now,
    };
    if (needsRehash(user.passwordHash)) patch.passwordHash = await hashPassword(password);
    const updated = await this.repos.users.update(user.id, patch);
    const result = await this.startFamily(updated, tenant, updated.role, client, now);
    await this.audit(tenant.id, "auth.login", user.id, client, now);
    // Every refresh leaves a rotated record behind (kept for reuse detection until it
    // expires); a sign-in clears the expired ones so a user's list stays short.
    this.background("expired sign-in purge", async () => {
      await this.repos.authSessions.purgeExpired(tenant.id, user.id, now);
    });
    return result;
  }

  /**
   * Moves the caller's sign-in to another tenant they belong to: a new family there
   * (new access and refresh token), and the current family ends. The new family keeps the
   * old one's lineage, so a reuse detected on either revokes both: a stolen refresh token
   * cannot be laundered into a fresh family by switching. A switch to the tenant the
   * caller is already in is refused.
   */
  async switchTenant(
    auth: AuthContext,
    tenantId: string,
    client: ClientInfo = {},
    refreshToken: string | null | undefined = null,
  ): Promise<SignInResult> {
    if (tenantId === auth.tenantId) {
      throw new ValidationError("You are already signed in to this tenant.");
    }
    await this.requireOwnRefreshToken(auth, refreshToken);
    const [membership, tenant, user, current] = await Promise.all([
      this.repos.users.getMembership(tenantId, auth.userId),
      this.repos.tenants.getById(tenantId),
      this.repos.users.getById(auth.userId),
      this.repos.authSessions.getById(auth.sessionId, auth.tenantId),
    ]);
    // Not a member and no such tenant look the same.
    if (!membership || !tenant || tenant.status !== "active") {
      throw new NotFoundError("tenant", tenantId);
    }
    if (!user?.isActive || !current) throw new AuthError();
    const now = this.now();
    const result = await this.startFamily(user, tenant, membership.role, client, now, {
      lineage: lineageOf(current),
    });
    await this.repos.authSessions.invalidateFamily(auth.tenantId, auth.tokenFamily, now);
    return result;
  }

  // --- per request -----------------------------------------------------------------------

  /**
   * The caller behind an access token, or null. Besides the signature and expiry, the
   * token's auth session must still be alive, so logout and revocation take effect on the
   * very next request. A token of a session rotated since stays good while its family's
   * current session is active (other tabs keep working through a refresh). The role is
   * the caller's membership of the token's tenant now, not the one the token was signed
   * with: a removed member is refused, a demoted one acts with the new role.
   */
  async authenticate(accessToken: string | null | undefined): Promise<AuthContext | null> {
    const claims = await this.verifyAccessToken(accessToken);
    if (!claims) return null;
    return this.store.transact((tx) => this.authenticateIn(tx, claims));
  }

  /** The claims of an access token signed here and not expired; nothing is read. */
  async verifyAccessToken(
    accessToken: string | null | undefined,
  ): Promise<Readonly<AccessTokenClaims> | null> {
    return accessToken ? this.signer.verify(accessToken) : null;
  }

  /**
   * authenticate's session check for claims verifyAccessToken answered, inside the
   * caller's transaction: a write checks its caller in its own transaction, against
   * exactly the state it writes on, instead of in one more.
   */
  async authenticateIn(
    tx: Transaction,
    claims: Readonly<AccessTokenClaims>,
  ): Promise<AuthContext | null> {
    const sessions = this.repos.authSessions;
    const found = await sessions.readForRequest(tx, claims.tid, claims.sid, claims.sub);
    const role = found.role;
    if (!role) return null;
    let session = found.session;
    if (
      !session ||
      session.userId !== claims.sub ||
      session.tokenFamily !== claims.fam ||
      session.tenantId !== claims.tid
    ) {
      return null;
    }
    if (session.status === "rotated") {
      session = await familyHead(session, (id, tenantId) => sessions.readById(tx, id, tenantId));
      if (!session) return null;
    }
    if (!this.isLive(session)) return null;
    return {
      userId: claims.sub,
      tenantId: claims.tid,
      sessionId: claims.sid,
      tokenFamily: claims.fam,
      role,
      accessTokenExpiresAt: new Date(claims.exp * 1000),
    };
  }

  /** Like authenticate, but throws AuthError instead of answering null. */
  async requireAuth(accessToken: string | null | undefined): Promise<AuthContext> {
    const auth = await this.authenticate(accessToken);
    if (!auth) throw new AuthError();
    return auth;
  }

  // --- refresh -------------------------------------------------------------------------

  /**
   * Rotates a refresh token: a new AuthSession in the same family, the presented one
   * marked rotated, in one transaction. A token rotated less than the grace window ago
   * (two tabs refreshing together) earns an access token for the family's current session
   * and no new refresh token. Any later reuse revokes the whole family and is audited.
   */
  async refresh(
    refreshToken: string | null | undefined,
    client: ClientInfo = {},
  ): Promise<RefreshResult> {
    const parts = parseRefreshToken(refreshToken);
    if (!parts) throw new AuthError();
    const presented = await this.repos.authSessions.getById(parts.sessionId);
    // Without the secret nobody may affect a family, not even to revoke it.
    if (!presented || !secretMatchesHash(parts.secret, presented.refreshTokenHash)) {
      throw new AuthError();
    }
    const now = this.now();
    if (presented.status === "revoked" || Date.parse(presented.refreshExpiresAt) <= now.getTime()) {
      throw new AuthError();
    }
    if (presented.status === "rotated") {
      return this.refreshRotated(presented, presented.rotatedAt, client, now);
    }

    const role = await this.currentRole(presented);
    if (!role) throw new AuthError();
    const nextId = newId(now.getTime());
    const next = createRefreshToken(nextId);
    const subject = {
      sub: presented.userId,
      tid: presented.tenantId,
      sid: nextId,
      fam: presented.tokenFamily,
      role,
    };
    const access = await this.signer.sign(subject);
    const refreshExpiresAt = new Date(now.getTime() + this.refreshTtlMs);
    try {
      await this.repos.authSessions.rotate(
        presented.id,
        {
          id: nextId,
          refreshTokenHash: next.secretHash,
          expiresAt: access.expiresAt.toISOString(),
          refreshExpiresAt: refreshExpiresAt.toISOString(),
          ipAddress: clip(client.ip),
          userAgent: clip(client.userAgent),
          now,
        },
        presented.tenantId,
      );
    } catch (err) {
      // Another request rotated it first: the same token presented twice.
      if (err instanceof SessionNotActiveError && err.status === "rotated") {
        const rotated = await this.repos.authSessions.getById(presented.id, presented.tenantId);
        if (!rotated) throw new AuthError();
        return this.refreshRotated(rotated, err.rotatedAt, client, now);
      }
      if (err instanceof SessionNotActiveError) throw new AuthError();
      throw err;
    }
    return {
      accessToken: access.accessToken,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: next.token,
      refreshTokenExpiresAt: refreshExpiresAt,
      auth: this.contextOf(subject, access.expiresAt),
    };
  }

  private async refreshRotated(
    presented: AuthSession,
    rotatedAt: string | undefined,
    client: ClientInfo,
    now: Date,
  ): Promise<RefreshResult> {
    if (!this.withinGrace(rotatedAt, now)) {
      // An old refresh token came back: it was copied. End the family everywhere, and
      // every family continued from it by a tenant switch.
      await this.repos.authSessions.invalidateLineage(presented.userId, lineageOf(presented), now);
      await this.audit(presented.tenantId, "auth.refresh_reuse", presented.userId, client, now, {
        tokenFamily: presented.tokenFamily,
        sessionId: presented.id,
      });
      throw new AuthError();
    }
    const head = await familyHead(presented, (id, tenantId) =>
      this.repos.authSessions.getById(id, tenantId),
    );
    if (!head || !this.isLive(head)) throw new AuthError();
    const role = await this.currentRole(head);
    if (!role) throw new AuthError();
    const subject = {
      sub: head.userId,
      tid: head.tenantId,
      sid: head.id,
      fam: head.tokenFamily,
      role,
    };
    const access = await this.signer.sign(subject);
    return {
      accessToken: access.accessToken,
      accessTokenExpiresAt: access.expiresAt,
      auth: this.contextOf(subject, access.expiresAt),
    };
  }

  // --- ending sessions -----------------------------------------------------------------

  /** Ends the caller's family (this device). */
  async logout(auth: AuthContext, client: ClientInfo = {}): Promise<void> {
    const now = this.now();
    await this.repos.authSessions.invalidateFamily(auth.tenantId, auth.tokenFamily, now);
    await this.audit(auth.tenantId, "auth.logout", auth.userId, client, now, {
      tokenFamily: auth.tokenFamily,
    });
  }

  /**
   * Ends the family of a refresh token (a logout whose access token has expired).
   * Unknown or malformed tokens are ignored: the caller is signed out either way.
   */
  async logoutWithRefreshToken(
    refreshToken: string | null | undefined,
    client: ClientInfo = {},
  ): Promise<void> {
    const parts = parseRefreshToken(refreshToken);
    if (!parts) return;
    const session = await this.repos.authSessions.getById(parts.sessionId);
    if (!session || !secretMatchesHash(parts.secret, session.refreshTokenHash)) return;
    if (session.status === "revoked") return;
    const now = this.now();
    await this.repos.authSessions.invalidateFamily(session.tenantId, session.tokenFamily, now);
    await this.audit(session.tenantId, "auth.logout", session.userId, client, now, {
      tokenFamily: session.tokenFamily,
    });
  }

  /** Ends every family of the user, in every tenant. */
  async logoutAll(auth: AuthContext, client: ClientInfo = {}): Promise<void> {
    const now = this.now();
    const ended = await this.repos.authSessions.invalidateAllForUser(auth.userId, { now });
    await this.audit(auth.tenantId, "auth.logout_all", auth.userId, client, now, {
      families: ended,
    });
  }

  /** Active families of the caller in the caller's tenant, newest sign-in first. */
  async devices(auth: AuthContext): Promise<Device[]> {
    const sessions = await this.repos.authSessions.listActiveByUser(
      auth.tenantId,
      auth.userId,
      this.now(),
    );
    const devices = sessions.map((s): Device => {
      // Family ids are made at sign-in and carry its time; the active session only knows
      // its last rotation.
      const signedInMs = idTimeMs(s.tokenFamily);
      return {
        tokenFamily: s.tokenFamily,
        ipAddress: s.ipAddress,
        userAgent: s.userAgent,
        createdAt: signedInMs === null ? s.createdAt : new Date(signedInMs).toISOString(),
        lastUsedAt: s.lastUsedAt,
        current: s.tokenFamily === auth.tokenFamily,
      };
    });
    return devices.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Ends one of the caller's families; another user's or unknown family: NotFoundError. */
  async revokeDevice(
    auth: AuthContext,
    tokenFamily: string,
    client: ClientInfo = {},
  ): Promise<void> {
    const sessions = await this.repos.authSessions.listActiveByUser(
      auth.tenantId,
      auth.userId,
      this.now(),
    );
    if (typeof tokenFamily !== "string" || !sessions.some((s) => s.tokenFamily === tokenFamily)) {
      throw new NotFoundError("device", String(tokenFamily));
    }
    const now = this.now();
    await this.repos.authSessions.invalidateFamily(auth.tenantId, tokenFamily, now);
    await this.audit(auth.tenantId, "auth.device_revoked", auth.userId, client, now, {
      tokenFamily,
    });
  }

  // --- passwords -----------------------------------------------------------------------

  /** Checks the current password, sets the new one, ends every family but the caller's. */
  async changePassword(
    auth: AuthContext,
    input: { currentPassword: string; newPassword: string },
    client: ClientInfo = {},
  ): Promise<void> {
    const user = await this.repos.users.getById(auth.userId);
    if (!user?.isActive) throw new AuthError();
    const current = typeof input.currentPassword === "string" ? input.currentPassword : "";
    if (!(await verifyPassword(user.passwordHash, current))) {
      throw new AuthError("That is not your current password.");
    }
    const newPassword = requirePassword(input.newPassword);
    const passwordHash = await hashPassword(newPassword);
    const now = this.now();
    await this.repos.users.update(user.id, { passwordHash, now });
    await this.repos.authSessions.invalidateAllForUser(user.id, {
      exceptFamily: auth.tokenFamily,
      now,
    });
    // A reset link mailed before the change must not undo it.
    await this.repos.emailTokens.voidAll(user.id, "reset");
    await this.audit(auth.tenantId, "auth.password_changed", user.id, client, now);
  }

  /**
   * Mails a reset link when the email belongs to an active user. The answer, and its
   * timing, is the same either way. Without mail, MailOffError for every email.
   */
  async requestPasswordReset(input: { email: string }, client: ClientInfo = {}): Promise<void> {
    // Refused for every email alike, so the refusal tells nothing about accounts.
    if (this.mailer.kind === "off") throw new MailOffError();
    const email = typeof input.email === "string" ? input.email.trim() : "";
    if (!email || email.length > 254) return;
    const user = await this.repos.users.getByEmail(email);
    if (!user?.isActive) return;
    const now = this.now();
    // The token is stored and mailed after the answer, so both answers take the same time.
    this.mailLink(user, now, "reset", (link) => ({
      subject: "Reset your Hearth password",
      lines: [
        `Someone (hopefully you) asked to reset the password of ${user.email} on Hearth.`,
        "",
        "Open this link to choose a new password:",
        "",
        link,
        "",
        "The link works once, for one hour. If you did not ask, ignore this mail.",
        client.ip ? `The request came from ${client.ip}.` : "",
      ],
    }));
  }

  /**
   * Uses a reset link: sets the new password and ends every family of the user. Every
   * other reset link of the user is void from then on.
   */
  async resetPassword(
    input: { token: string; newPassword: string },
    client: ClientInfo = {},
  ): Promise<void> {
    const tokenHash = emailTokenHashOf(input.token);
    if (!tokenHash) throw invalidLink();
    // Checked before the token is used up, so a refused password does not burn the link.
    const newPassword = requirePassword(input.newPassword);
    const now = this.now();
    const token = await this.repos.emailTokens.consume(tokenHash, "reset", now);
    if (!token) throw invalidLink();
    const passwordHash = await hashPassword(newPassword);
    // The mail reached its owner, so the address is proven too.
    await this.repos.users.update(token.userId, { passwordHash, emailVerified: true, now });
    await this.repos.authSessions.invalidateAllForUser(token.userId, { now });
    // Using the link voided the user's other reset links; the address is proven as well.
    await this.repos.emailTokens.voidAll(token.userId, "verify");
    await this.audit(token.tenantId, "auth.password_reset", token.userId, client, now);
  }

  // --- email verification --------------------------------------------------------------

  async verifyEmail(input: { token: string }, client: ClientInfo = {}): Promise<PublicUser> {
    const tokenHash = emailTokenHashOf(input.token);
    if (!tokenHash) throw invalidLink();
    const now = this.now();
    const token = await this.repos.emailTokens.consume(tokenHash, "verify", now);
    if (!token) throw invalidLink();
    const user = await this.repos.users.update(token.userId, { emailVerified: true, now });
    await this.audit(token.tenantId, "auth.email_verified", token.userId, client, now);
    return toPublicUser(user);
  }

  /**
   * Mails a new verification link; nothing when the email is already verified. Without
   * mail, MailOffError.
   */
  async resendVerification(auth: AuthContext): Promise<{ sent: boolean }> {
    if (this.mailer.kind === "off") throw new MailOffError();
    const user = await this.repos.users.getById(auth.userId);
    if (!user?.isActive) throw new AuthError();
    if (user.emailVerified) return { sent: false };
    this.sendVerificationMail(user, this.now());
    return { sent: true };
  }

  /** Resolves when mail and other work started after an answer have finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  // --- internals -----------------------------------------------------------------------

  private async startFamily(
    user: User,
    tenant: Tenant,
    role: Role,
    client: ClientInfo,
    now: Date,
    from: { lineage?: string } = {},
  ): Promise<SignInResult> {
    const sessionId = newId(now.getTime());
    const tokenFamily = newId(now.getTime());
    const refresh = createRefreshToken(sessionId);
    const subject = { sub: user.id, tid: tenant.id, sid: sessionId, fam: tokenFamily, role };
    const access = await this.signer.sign(subject);
    const refreshExpiresAt = new Date(now.getTime() + this.refreshTtlMs);
    await this.repos.authSessions.create({
      id: sessionId,
      tenantId: tenant.id,
      userId: user.id,
      tokenFamily,
      ...(from.lineage ? { lineage: from.lineage } : {}),
      refreshTokenHash: refresh.secretHash,
      expiresAt: access.expiresAt.toISOString(),
      refreshExpiresAt: refreshExpiresAt.toISOString(),
      ipAddress: clip(client.ip),
      userAgent: clip(client.userAgent),
      now,
    });
    return {
      user: toPublicUser(user),
      tenant,
      role,
      accessToken: access.accessToken,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refreshExpiresAt,
      auth: this.contextOf(subject, access.expiresAt),
    };
  }

  private contextOf(
    subject: { sub: string; tid: string; sid: string; fam: string; role: Role },
    expiresAt: Date,
  ): AuthContext {
    return {
      userId: subject.sub,
      tenantId: subject.tid,
      sessionId: subject.sid,
      tokenFamily: subject.fam,
      role: subject.role,
      accessTokenExpiresAt: expiresAt,
    };
  }

  /**
   * A new family is handed only to whoever holds the sign-in's refresh token as well as
   * its access token: a copied access token alone, good for minutes, must not become a
   * sign-in good for a month. The token must be of the caller's family and current (or
   * rotated within the grace, as a tab that refreshed a moment ago holds).
   */
  private async requireOwnRefreshToken(
    auth: AuthContext,
    refreshToken: string | null | undefined,
  ): Promise<void> {
    const refused = new AuthError(
      "Changing tenants needs this browser's sign-in cookie, which did not come with the request: sign in again.",
    );
    const parts = parseRefreshToken(refreshToken);
    if (!parts) throw refused;
    const presented = await this.repos.authSessions.getById(parts.sessionId, auth.tenantId);
    if (
      !presented ||
      !secretMatchesHash(parts.secret, presented.refreshTokenHash) ||
      presented.userId !== auth.userId ||
      presented.tokenFamily !== auth.tokenFamily
    ) {
      throw refused;
    }
    const now = this.now();
    const current =
      this.isLive(presented) ||
      (presented.status === "rotated" &&
        this.withinGrace(presented.rotatedAt, now) &&
        Date.parse(presented.refreshExpiresAt) > now.getTime());
    if (!current) throw refused;
  }

  /** Whether a session rotated at `rotatedAt` may still be presented (a tab a moment behind). */
  private withinGrace(rotatedAt: string | undefined, now: Date): boolean {
    const rotatedMs = rotatedAt ? Date.parse(rotatedAt) : Number.NaN;
    return Number.isFinite(rotatedMs) && now.getTime() - rotatedMs <= this.refreshGraceMs;
  }

  private isLive(session: Readonly<AuthSession>): boolean {
    return (
      session.status === "active" && Date.parse(session.refreshExpiresAt) > this.now().getTime()
    );
  }

  /** The user's role in the session's tenant now, or null when they may not sign in there. */
  private async currentRole(session: AuthSession): Promise<Role | null> {
    const [membership, user] = await Promise.all([
      this.repos.users.getMembership(session.tenantId, session.userId),
      this.repos.users.getById(session.userId),
    ]);
    if (!membership || !user?.isActive) return null;
    return membership.role;
  }

  private sendVerificationMail(user: User, now: Date): void {
    this.mailLink(user, now, "verify", (link) => ({
      subject: "Confirm your email for Hearth",
      lines: [
        `Welcome to Hearth, ${user.firstName || user.email}.`,
        "",
        "Open this link to confirm your email address:",
        "",
        link,
        "",
        "The link works once, for one hour.",
      ],
    }));
  }

  /**
   * In the background: stores a single-use email token for `purpose` and mails the user the
   * page link that carries it.
   */
  private mailLink(
    user: User,
    now: Date,
    purpose: "verify" | "reset",
    mail: (link: string) => { subject: string; lines: string[] },
  ): void {
    // Without mail no link is made (registration then mails no verification link).
    if (this.mailer.kind === "off") return;
    const { what, page } = MAIL_LINKS[purpose];
    this.background(what, async () => {
      const { token, tokenHash } = createEmailToken();
      await this.repos.emailTokens.create({
        tokenHash,
        purpose,
        userId: user.id,
        tenantId: user.tenantId,
        expiresAt: new Date(now.getTime() + this.emailTokenTtlMs).toISOString(),
        now,
      });
      const { subject, lines } = mail(`${this.publicBaseUrl}/${page}?token=${token}`);
      await this.mailer.send({ to: user.email, subject, text: lines.join("\n") });
    });
  }

  private background(what: string, work: () => Promise<void>): void {
    const run = (async () => {
      try {
        await work();
      } catch (err) {
        this.onBackgroundError(err, what);
      }
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private async audit(
    tenantId: string,
    action: string,
    actorUserId: string | null,
    client: ClientInfo,
    at: Date,
    detail: Record<string, string | number> = {},
  ): Promise<void> {
    try {
      await this.repos.audit.append({
        id: newId(at.getTime()),
        tenantId,
        action,
        actorUserId,
        ipAddress: clip(client.ip),
        userAgent: clip(client.userAgent),
        detail,
        at,
      });
    } catch (err) {
      // The flow's answer stands; a lost audit event is reported, not turned into a 500.
      this.onBackgroundError(err, `audit ${action}`);
    }
  }
}
