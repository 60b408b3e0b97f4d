import { globalKeys, tenantKeys } from "../keyspace";
import type { AuthSession } from "../models/auth-session";
import { newId } from "../models/ids";
import type { Role } from "../models/user";
import type { Store, Transaction } from "../store/types";
import { ConflictError, NotFoundError, SessionNotActiveError } from "./errors";
import { encodeJson, getJson, getJsonShared, transact } from "./internal";
import {
  type AuthSessionRef,
  deleteAuthSession,
  type MemberValue,
  readFamilyAuthSessions,
  readMember,
  readUserAuthSessions,
  revokeAllUserAuthSessions,
  revokeAuthSessions,
  writeAuthSession,
} from "./stored";

export interface CreateAuthSessionInput {
  id?: string;
  tenantId: string;
  userId: string;
  /** A new family (a new sign-in) unless given. */
  tokenFamily?: string;
  /** The lineage of the family this one continues (a tenant switch); absent: its own. */
  lineage?: string;
  refreshTokenHash: string;
  expiresAt: string;
  refreshExpiresAt: string;
  ipAddress?: string | null;
  userAgent?: string | null;
  workspaceSessionId?: string;
  now?: Date;
}

export interface RotateAuthSessionInput {
  /** Id of the new session (made outside the transaction; generated if absent). */
  id?: string;
  refreshTokenHash: string;
  expiresAt: string;
  refreshExpiresAt: string;
  ipAddress?: string | null;
  userAgent?: string | null;
  now?: Date;
}

export class AuthSessionRepository {
  constructor(private readonly store: Store) {}

  /** Starts a session; the user must be a member of the tenant. */
  async create(input: CreateAuthSessionInput): Promise<AuthSession> {
    const now = (input.now ?? new Date()).toISOString();
    const session: AuthSession = {
      id: input.id ?? newId(),
      tenantId: input.tenantId,
      userId: input.userId,
      tokenFamily: input.tokenFamily ?? newId(),
      refreshTokenHash: input.refreshTokenHash,
      expiresAt: input.expiresAt,
      refreshExpiresAt: input.refreshExpiresAt,
      ipAddress: input.ipAddress ?? null,
      userAgent: input.userAgent ?? null,
      status: "active",
      createdAt: now,
      lastUsedAt: now,
    };
    if (input.workspaceSessionId !== undefined) {
      session.workspaceSessionId = input.workspaceSessionId;
    }
    if (input.lineage !== undefined && input.lineage !== session.tokenFamily) {
      session.lineage = input.lineage;
    }
    return transact(this.store, async (tx) => {
      const existing = await getJson<AuthSession>(
        tx,
        tenantKeys(session.tenantId).auth(session.id),
      );
      if (existing) {
        if (existing.createdAt === now && existing.userId === session.userId) return existing;
        throw new ConflictError("already_exists", `auth session ${session.id} already exists`);
      }
      if (!(await readMember(tx, session.tenantId, session.userId))) {
        throw new NotFoundError("membership", `${session.tenantId}/${session.userId}`);
      }
      writeAuthSession(tx, session);
      return session;
    });
  }

  /** By id alone (a refresh token names only its session) or, cheaper, with its tenant. */
  async getById(sessionId: string, tenantId?: string): Promise<AuthSession | null> {
    return this.store.transact((tx) => this.readById(tx, sessionId, tenantId));
  }

  /**
   * What every authenticated request checks, inside the caller's transaction: the auth
   * session and the user's current role in its tenant (null when either is gone). Both
   * come back shared and frozen: they are only looked at.
   */
  async readForRequest(
    tx: Transaction,
    tenantId: string,
    sessionId: string,
    userId: string,
  ): Promise<{ session: Readonly<AuthSession> | null; role: Role | null }> {
    const keys = tenantKeys(tenantId);
    const session = await getJsonShared<AuthSession>(tx, keys.auth(sessionId));
    const member = await getJsonShared<MemberValue>(tx, keys.member(userId));
    return { session: session ?? null, role: member?.role ?? null };
  }

  /** getById inside the caller's transaction. */
  async readById(
    tx: Transaction,
    sessionId: string,
    tenantId?: string,
  ): Promise<AuthSession | null> {
    return (await readSession(tx, sessionId, tenantId)) ?? null;
  }

  /** Every session of a token family, oldest id first. */
  async listByFamily(tenantId: string, tokenFamily: string): Promise<AuthSession[]> {
    return this.store.transact((tx) => readFamilyAuthSessions(tx, tenantId, tokenFamily));
  }

  /** Sessions of the user in the tenant that are active and not past refreshExpiresAt. */
  async listActiveByUser(tenantId: string, userId: string, now?: Date): Promise<AuthSession[]> {
    const nowMs = (now ?? new Date()).getTime();
    const all = await this.store.transact((tx) => readUserAuthSessions(tx, tenantId, userId));
    return all.filter((s) => s.status === "active" && Date.parse(s.refreshExpiresAt) > nowMs);
  }

  /**
   * Refresh-token rotation in one transaction: the old session is marked rotated (with
   * rotatedTo / rotatedAt) and its successor created in the same family. Rotating a
   * session that is not active throws SessionNotActiveError (its status, rotatedTo and
   * rotatedAt let the caller tell a reuse from two tabs refreshing together).
   */
  async rotate(
    sessionId: string,
    next: RotateAuthSessionInput,
    tenantId?: string,
  ): Promise<{ previous: AuthSession; current: AuthSession }> {
    const now = (next.now ?? new Date()).toISOString();
    const newSessionId = next.id ?? newId();
    return transact(this.store, async (tx) => {
      const old = await readSession(tx, sessionId, tenantId);
      if (!old) throw new NotFoundError("auth session", sessionId);
      const keys = tenantKeys(old.tenantId);
      if (old.status === "rotated" && old.rotatedTo === newSessionId) {
        // This very rotation already committed (commit_unknown_result).
        const current = await getJson<AuthSession>(tx, keys.auth(newSessionId));
        if (current) return { previous: old, current };
      }
      if (old.status !== "active") {
        throw new SessionNotActiveError(
          old.id,
          old.tokenFamily,
          old.status,
          old.rotatedTo,
          old.rotatedAt,
        );
      }
      const previous: AuthSession = {
        ...old,
        status: "rotated",
        rotatedTo: newSessionId,
        rotatedAt: now,
        lastUsedAt: now,
      };
      const current: AuthSession = {
        id: newSessionId,
        tenantId: old.tenantId,
        userId: old.userId,
        tokenFamily: old.tokenFamily,
        refreshTokenHash: next.refreshTokenHash,
        expiresAt: next.expiresAt,
        refreshExpiresAt: next.refreshExpiresAt,
        ipAddress: next.ipAddress !== undefined ? next.ipAddress : old.ipAddress,
        userAgent: next.userAgent !== undefined ? next.userAgent : old.userAgent,
        status: "active",
        createdAt: now,
        lastUsedAt: now,
      };
      if (old.workspaceSessionId !== undefined) {
        current.workspaceSessionId = old.workspaceSessionId;
      }
      if (old.lineage !== undefined) current.lineage = old.lineage;
      tx.set(keys.auth(old.id), encodeJson(previous));
      writeAuthSession(tx, current);
      return { previous, current };
    });
  }

  /**
   * Revokes every active session of the family (logout, token reuse); returns 1 if this
   * call ended it, 0 if it had already ended. Right after a retry too: `now` and `tried`
   * (made once, outside the retry loop) mark what this call revoked.
   */
  async invalidateFamily(tenantId: string, tokenFamily: string, now?: Date): Promise<number> {
    const nowIso = (now ?? new Date()).toISOString();
    const tried = new Set<string>();
    return transact(
      this.store,
      async (tx) =>
        revokeAuthSessions(
          tx,
          await readFamilyAuthSessions(tx, tenantId, tokenFamily),
          nowIso,
          tried,
        ).size,
    );
  }

  /**
   * Revokes every active session of the user, in every tenant, whose family is `lineage`
   * or descends from it through tenant switches (token reuse); returns how many.
   */
  async invalidateLineage(userId: string, lineage: string, now?: Date): Promise<number> {
    const nowIso = (now ?? new Date()).toISOString();
    const tried = new Set<string>();
    return transact(this.store, async (tx) => {
      const r = globalKeys.userTenantsRange(userId);
      let n = 0;
      for (const row of await tx.getRange(r.begin, r.end)) {
        const tenantId = globalKeys.userTenantsSpace.unpack(row.key)[1] as string;
        const sessions = await readUserAuthSessions(tx, tenantId, userId);
        n += revokeAuthSessions(
          tx,
          sessions.filter((s) => lineageOf(s) === lineage),
          nowIso,
          tried,
        ).size;
      }
      return n;
    });
  }

  /**
   * Revokes the user's active sessions in every tenant they belong to (logout-all,
   * password change — which keeps `exceptFamily`, the caller's own); returns how many
   * families this call ended, right after a retry too (see invalidateFamily).
   */
  async invalidateAllForUser(
    userId: string,
    opts?: { exceptFamily?: string; now?: Date },
  ): Promise<number> {
    const nowIso = (opts?.now ?? new Date()).toISOString();
    const tried = new Set<string>();
    return transact(
      this.store,
      async (tx) =>
        (await revokeAllUserAuthSessions(tx, userId, nowIso, tried, opts?.exceptFamily)).size,
    );
  }

  /** Records use of the session (lastUsedAt never moves back). */
  async touch(sessionId: string, tenantId?: string, now?: Date): Promise<void> {
    const nowIso = (now ?? new Date()).toISOString();
    await transact(this.store, async (tx) => {
      const s = await readSession(tx, sessionId, tenantId);
      if (!s) throw new NotFoundError("auth session", sessionId);
      if (s.lastUsedAt >= nowIso) return;
      tx.set(tenantKeys(s.tenantId).auth(s.id), encodeJson({ ...s, lastUsedAt: nowIso }));
    });
  }

  /** Deletes one session and its index entries (a refresh token of it names nothing then). */
  async delete(sessionId: string, tenantId?: string): Promise<void> {
    await transact(this.store, async (tx) => {
      const s = await readSession(tx, sessionId, tenantId);
      if (s) deleteAuthSession(tx, s);
    });
  }

  /** Deletes the user's sessions whose refresh expiry has passed; returns how many. */
  async purgeExpired(tenantId: string, userId: string, now?: Date): Promise<number> {
    const nowMs = (now ?? new Date()).getTime();
    return transact(this.store, async (tx) => {
      let n = 0;
      for (const s of await readUserAuthSessions(tx, tenantId, userId)) {
        if (Date.parse(s.refreshExpiresAt) > nowMs) continue;
        deleteAuthSession(tx, s);
        n++;
      }
      return n;
    });
  }
}

/** The family a sign-in started as, before any tenant switch. */
export function lineageOf(session: Pick<AuthSession, "tokenFamily" | "lineage">): string {
  return session.lineage ?? session.tokenFamily;
}

async function readSession(
  tx: Transaction,
  sessionId: string,
  tenantId?: string,
): Promise<AuthSession | undefined> {
  let t = tenantId;
  if (t === undefined) {
    const ref = await getJson<AuthSessionRef>(tx, globalKeys.authSession(sessionId));
    if (!ref) return undefined;
    t = ref.tenantId;
  }
  return getJson<AuthSession>(tx, tenantKeys(t).auth(sessionId));
}
