import { TENANT_GRANTEE, type TenantKeys, tenantKeys } from "../keyspace";
import type { Page, PageRequest } from "../models/common";
import type { WorkspaceSessionMeta } from "../models/workspace-session";
import type { WorkspaceShares, WorkspaceShareValue } from "../models/workspace-share";
import type { Store, Transaction } from "../store/types";
import { NotFoundError, ValidationError } from "./errors";
import { clampLimit, EMPTY_VALUE, encodeJson, transact } from "./internal";
import { readMember, readWorkspaceMeta, toMeta } from "./stored";

/** Which grantees a share or unshare names. */
export interface ShareTargets {
  userIds?: readonly string[];
  /** The whole tenant: every member, now and later. */
  tenant?: boolean;
}

/** A session as a caller sees it before any access rule: its meta and how it is shared. */
export interface SessionAccessFacts {
  meta: WorkspaceSessionMeta;
  /** Shared read-only with this user, by name or with the whole tenant. */
  sharedWithUser: boolean;
}

/** Members named in one share call; a session shared with more should use the tenant. */
const MAX_USERS_PER_CALL = 100;
/** Sessions sharedWithMe looks at, per grantee (the caller and the whole tenant). */
const MAX_SHARED_SCAN = 5000;

function granteesOf(targets: ShareTargets): string[] {
  const ids = [...new Set(targets.userIds ?? [])];
  if (ids.length > MAX_USERS_PER_CALL) {
    throw new ValidationError(`at most ${MAX_USERS_PER_CALL} members per call`);
  }
  return targets.tenant ? [...ids, TENANT_GRANTEE] : ids;
}

async function readShares(
  tx: Transaction,
  keys: TenantKeys,
  sessionId: string,
): Promise<WorkspaceShares> {
  const r = keys.wsSharesSpace.range(sessionId);
  const shares: WorkspaceShares = { userIds: [], tenant: false };
  for (const row of await tx.getRange(r.begin, r.end)) {
    const grantee = keys.wsSharesSpace.unpack(row.key)[1] as string;
    if (grantee === TENANT_GRANTEE) shares.tenant = true;
    else shares.userIds.push(grantee);
  }
  return shares;
}

/** Where a session sits in sharedWithMe's order: its activity time, then its id. */
interface Position {
  ms: number;
  id: string;
}

/** Newest first; among equal times, larger ids first (as ws_recent read in reverse). */
function comesBefore(a: Position, b: Position): boolean {
  return a.ms > b.ms || (a.ms === b.ms && a.id > b.id);
}

/** The cursor of sharedWithMe: the last listed session's position. */
function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.ms, p.id]), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): Position {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && typeof v[0] === "number" && typeof v[1] === "string") {
      return { ms: v[0], id: v[1] };
    }
  } catch {
    // fall through
  }
  throw new ValidationError("invalid cursor");
}

/**
 * Read-only shares of workspace sessions: (t,"ws_shares",sessionId,grantee) records and
 * their (t,"ws_shared_with",grantee,sessionId) index, written together. A grantee is a
 * member's user id or TENANT_GRANTEE. Deleting a session ends its shares (deleteWorkspace).
 */
export class WorkspaceShareRepository {
  constructor(private readonly store: Store) {}

  /**
   * Shares the session read-only with the named members and/or the whole tenant; sharing
   * again is a no-op. A named user who is not a member of the tenant is NotFoundError, as
   * is a missing session. The owner is never a grantee of their own session.
   */
  async share(
    tenantId: string,
    sessionId: string,
    targets: ShareTargets,
    opts: { sharedByUserId: string; now?: Date },
  ): Promise<WorkspaceShares> {
    const value: WorkspaceShareValue = {
      sharedAt: (opts.now ?? new Date()).toISOString(),
      sharedByUserId: opts.sharedByUserId,
    };
    const grantees = granteesOf(targets);
    const keys = tenantKeys(tenantId);
    return transact(this.store, async (tx) => {
      const meta = await readWorkspaceMeta(tx, keys, sessionId);
      if (!meta) throw new NotFoundError("workspace session", sessionId);
      for (const grantee of grantees) {
        if (grantee === TENANT_GRANTEE || grantee === meta.userId) continue;
        if (!(await readMember(tx, tenantId, grantee))) throw new NotFoundError("member", grantee);
      }
      for (const grantee of grantees) {
        if (grantee === meta.userId) continue;
        const key = keys.wsShare(sessionId, grantee);
        // An existing share keeps its time: sharing is idempotent (and so are retries).
        if (await tx.get(key)) continue;
        tx.set(key, encodeJson(value));
        tx.set(keys.wsSharedWith(grantee, sessionId), EMPTY_VALUE);
      }
      return readShares(tx, keys, sessionId);
    });
  }

  /** Ends the named shares (absent ones are no-ops); missing session is NotFoundError. */
  async unshare(
    tenantId: string,
    sessionId: string,
    targets: ShareTargets,
  ): Promise<WorkspaceShares> {
    const grantees = granteesOf(targets);
    const keys = tenantKeys(tenantId);
    return transact(this.store, async (tx) => {
      if (!(await readWorkspaceMeta(tx, keys, sessionId))) {
        throw new NotFoundError("workspace session", sessionId);
      }
      for (const grantee of grantees) {
        tx.clear(keys.wsShare(sessionId, grantee));
        tx.clear(keys.wsSharedWith(grantee, sessionId));
      }
      return readShares(tx, keys, sessionId);
    });
  }

  /**
   * Ends every share with `userId` in the tenant (a member who leaves): rejoining later
   * brings none of them back. Works in bounded transactions; returns how many ended.
   */
  async clearGrantee(tenantId: string, userId: string): Promise<number> {
    const keys = tenantKeys(tenantId);
    const r = keys.wsSharedWithSpace.range(userId);
    let ended = 0;
    for (;;) {
      const n = await transact(this.store, async (tx) => {
        const rows = await tx.getRange(r.begin, r.end, { limit: 500 });
        for (const row of rows) {
          const sessionId = keys.wsSharedWithSpace.unpack(row.key)[1] as string;
          tx.clear(keys.wsShare(sessionId, userId));
          tx.clear(row.key);
        }
        return rows.length;
      });
      ended += n;
      if (n < 500) return ended;
    }
  }

  /** Who the session is shared with (empty for a missing one). */
  async sharesOf(tenantId: string, sessionId: string): Promise<WorkspaceShares> {
    const keys = tenantKeys(tenantId);
    return this.store.transact((tx) => readShares(tx, keys, sessionId));
  }

  /**
   * The session's meta and whether it is shared with `userId`, read in one transaction:
   * what every access check needs. null for a missing session.
   */
  async accessFacts(
    tenantId: string,
    sessionId: string,
    userId: string,
  ): Promise<SessionAccessFacts | null> {
    const keys = tenantKeys(tenantId);
    return this.store.transact(async (tx) => {
      const meta = await readWorkspaceMeta(tx, keys, sessionId);
      if (!meta) return null;
      let shared = false;
      if (meta.userId !== userId) {
        shared =
          (await tx.get(keys.wsShare(sessionId, userId))) !== undefined ||
          (await tx.get(keys.wsShare(sessionId, TENANT_GRANTEE))) !== undefined;
      }
      return { meta: toMeta(meta), sharedWithUser: shared };
    });
  }

  /** Of `sessionIds`, those shared with `userId` (by name or with the whole tenant). */
  async sharedAmong(
    tenantId: string,
    userId: string,
    sessionIds: readonly string[],
  ): Promise<Set<string>> {
    const keys = tenantKeys(tenantId);
    return this.store.transact(async (tx) => {
      const out = new Set<string>();
      for (const sid of sessionIds) {
        if (
          (await tx.get(keys.wsSharedWith(userId, sid))) !== undefined ||
          (await tx.get(keys.wsSharedWith(TENANT_GRANTEE, sid))) !== undefined
        ) {
          out.add(sid);
        }
      }
      return out;
    });
  }

  /**
   * Sessions of others shared with `userId`, by name or with the whole tenant, most
   * recently active first. Reads every such share (up to 5,000 per grantee) and sorts
   * them: O(shared sessions), which stay few per member.
   */
  async listSharedWith(
    tenantId: string,
    userId: string,
    req?: PageRequest,
  ): Promise<Page<WorkspaceSessionMeta>> {
    const limit = clampLimit(req?.limit, 20);
    const after = req?.cursor ? decodeCursor(req.cursor) : null;
    const keys = tenantKeys(tenantId);
    return this.store.transact(async (tx) => {
      const ids = new Set<string>();
      for (const grantee of [userId, TENANT_GRANTEE]) {
        const r = keys.wsSharedWithSpace.range(grantee);
        for (const row of await tx.getRange(r.begin, r.end, { limit: MAX_SHARED_SCAN })) {
          ids.add(keys.wsSharedWithSpace.unpack(row.key)[1] as string);
        }
      }
      const listed: Array<Position & { meta: WorkspaceSessionMeta }> = [];
      for (const id of ids) {
        const m = await readWorkspaceMeta(tx, keys, id);
        if (m && m.userId !== userId) {
          listed.push({ ms: Date.parse(m.lastActiveAt), id, meta: toMeta(m) });
        }
      }
      listed.sort((a, b) => (comesBefore(a, b) ? -1 : comesBefore(b, a) ? 1 : 0));
      const rest = after ? listed.filter((m) => comesBefore(after, m)) : listed;
      const page = rest.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((m) => m.meta),
        nextCursor: rest.length > limit && last ? encodeCursor(last) : null,
      };
    });
  }
}
