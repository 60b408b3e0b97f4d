/** Shapes of stored values that are not models themselves, and tx-level operations shared by the repositories. */

import {
  globalKeys,
  type KeyPrefix,
  type KeyRange,
  type TenantKeys,
  tenantKeys,
} from "../keyspace";
import type { AuthSession } from "../models/auth-session";
import type { Tenant } from "../models/tenant";
import type { Role, User } from "../models/user";
import type { WorkspaceSessionMeta } from "../models/workspace-session";
import type { Bytes, Transaction } from "../store/types";
import { ConflictError, LimitError, NotFoundError } from "./errors";
import { dateMs, decodeJson, EMPTY_VALUE, encodeJson, getJson } from "./internal";
import { clearWorkspaceFiles } from "./workspace-file-repository";

/** ("g","users_by_email",email) */
export interface EmailIndexValue {
  userId: string;
  tenantId: string;
}

/** ("g","users_by_id",userId) */
export interface UserHomeValue {
  tenantId: string;
}

/** (t,"members",userId) and ("g","user_tenants",userId,t) */
export interface MemberValue {
  role: Role;
  addedAt: string;
  /** The invitation accepted to start it (a retried accept recognises its own commit). */
  invitationId?: string;
}

/** ("g","auth_sessions",sessionId) */
export interface AuthSessionRef {
  tenantId: string;
  userId: string;
}

export type ChunkedPart = "editor" | "terminal" | "debug" | "memory" | "scrollback";
export const CHUNKED_PARTS: readonly ChunkedPart[] = [
  "editor",
  "terminal",
  "debug",
  "memory",
  "scrollback",
];
export type PartChunks = Record<ChunkedPart, number>;

/** (t,"ws",sessionId,"meta"): what describes the session; written by create, fork, updateMeta. */
export interface WorkspaceMetaRecord {
  id: string;
  tenantId: string;
  userId: string;
  name: string;
  workspacePath: string;
  tags: string[];
  parentSessionId: string | null;
  createdAt: string;
}

/** What every save changes: (t,"ws",sessionId,"rev"), in a small binary form (revCodec). */
export interface RevState {
  rev: number;
  updatedAtMs: number;
  lastActiveMs: number;
  /** How many chunk keys each part has now (0: absent), so a save clears exactly the rest. */
  chunks: PartChunks;
  /** The last few saves as [saveId, rev]: a retried save that already committed finds itself. */
  saves: Array<[string, number]>;
}

/**
 * The UTF-8 byte size of each buffer, by path. Stored one key per path,
 * (t,"ws",sessionId,"buffer_size",path), beside their total (…,"buffer_bytes"), both
 * counters. Sessions written before that hold one JSON object {path: bytes} in chunks,
 * (…,"buffer_sizes",chunk), or (older still) nothing; their next buffer save converts them.
 */
export type BufferSizes = Map<string, number>;

export function encodeBufferSizes(sizes: BufferSizes): Bytes {
  // fromEntries defines own properties: a path like "__proto__" stays a plain key.
  return encodeJson(Object.fromEntries(sizes));
}

export function decodeBufferSizes(chunks: readonly Bytes[]): BufferSizes {
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  return new Map(Object.entries(decodeJson<Record<string, number>>(bytes)));
}

/** Both records of a session, as the repositories work with them. */
export interface StoredWorkspaceMeta extends WorkspaceMetaRecord {
  rev: number;
  updatedAt: string;
  lastActiveAt: string;
  chunks: PartChunks;
  saves: Array<[string, number]>;
}

/**
 * The rev record is read and rewritten by every autosave, so it is a fixed binary layout
 * rather than JSON (parsing JSON cost more than the rest of a save's own work):
 *   u8 format=1 | u32 rev | f64 updatedAtMs | f64 lastActiveMs | 5 × u32 chunk counts |
 *   u8 n | n × (u8 idLength, ASCII saveId, u32 rev)        — all big-endian
 */
const REV_FORMAT = 1;
const REV_FIXED = 1 + 4 + 8 + 8 + 4 * 5 + 1;

export function encodeRev(r: RevState): Bytes {
  let size = REV_FIXED;
  for (const [id] of r.saves) size += 1 + id.length + 4;
  const b = Buffer.allocUnsafe(size);
  b[0] = REV_FORMAT;
  b.writeUInt32BE(r.rev, 1);
  b.writeDoubleBE(r.updatedAtMs, 5);
  b.writeDoubleBE(r.lastActiveMs, 13);
  let at = 21;
  for (const part of CHUNKED_PARTS) {
    b.writeUInt32BE(r.chunks[part], at);
    at += 4;
  }
  b[at++] = r.saves.length;
  for (const [id, rev] of r.saves) {
    b[at++] = id.length;
    at += b.write(id, at, "latin1");
    b.writeUInt32BE(rev, at);
    at += 4;
  }
  return b;
}

export function decodeRev(b: Bytes): RevState {
  if (b[0] !== REV_FORMAT) throw new Error(`unknown rev record format ${b[0]}`);
  let at = 21;
  const counts: number[] = [];
  for (let i = 0; i < CHUNKED_PARTS.length; i++, at += 4) counts.push(b.readUInt32BE(at));
  const n = b[at++]!;
  const saves: Array<[string, number]> = [];
  for (let i = 0; i < n; i++) {
    const len = b[at++]!;
    const id = b.toString("latin1", at, at + len);
    at += len;
    saves.push([id, b.readUInt32BE(at)]);
    at += 4;
  }
  return {
    rev: b.readUInt32BE(1),
    updatedAtMs: b.readDoubleBE(5),
    lastActiveMs: b.readDoubleBE(13),
    chunks: {
      editor: counts[0]!,
      terminal: counts[1]!,
      debug: counts[2]!,
      memory: counts[3]!,
      scrollback: counts[4]!,
    },
    saves,
  };
}

export function combineMeta(meta: WorkspaceMetaRecord, r: RevState): StoredWorkspaceMeta {
  return {
    ...meta,
    rev: r.rev,
    updatedAt: new Date(r.updatedAtMs).toISOString(),
    lastActiveAt: new Date(r.lastActiveMs).toISOString(),
    chunks: r.chunks,
    saves: r.saves,
  };
}

/** The public meta: the meta record plus the rev record's times, without the bookkeeping. */
export function toMeta(m: StoredWorkspaceMeta): WorkspaceSessionMeta {
  return { ...metaRecordOf(m), rev: m.rev, updatedAt: m.updatedAt, lastActiveAt: m.lastActiveAt };
}

export function metaRecordOf(m: StoredWorkspaceMeta): WorkspaceMetaRecord {
  return {
    id: m.id,
    tenantId: m.tenantId,
    userId: m.userId,
    name: m.name,
    workspacePath: m.workspacePath,
    tags: m.tags,
    parentSessionId: m.parentSessionId,
    createdAt: m.createdAt,
  };
}

export function revStateOf(m: StoredWorkspaceMeta): RevState {
  return {
    rev: m.rev,
    updatedAtMs: dateMs(m.updatedAt),
    lastActiveMs: dateMs(m.lastActiveAt),
    chunks: m.chunks,
    saves: m.saves,
  };
}

/** Writes both records of a session. */
export function writeWorkspaceRecords(
  tx: Transaction,
  keys: TenantKeys,
  m: StoredWorkspaceMeta,
): void {
  const sk = keys.ws(m.id);
  tx.set(sk.meta, encodeJson(metaRecordOf(m)));
  tx.set(sk.rev, encodeRev(revStateOf(m)));
}

export async function readTenant(tx: Transaction, tenantId: string): Promise<Tenant | undefined> {
  return getJson<Tenant>(tx, tenantKeys(tenantId).tenant());
}

/** The tenant, which must exist and be active (reading it also orders this transaction after a delete). */
export async function requireActiveTenant(tx: Transaction, tenantId: string): Promise<Tenant> {
  const tenant = await readTenant(tx, tenantId);
  if (!tenant) throw new NotFoundError("tenant", tenantId);
  if (tenant.status !== "active") {
    throw new ConflictError("tenant_not_active", `tenant ${tenantId} is ${tenant.status}`);
  }
  return tenant;
}

export async function readUserHome(tx: Transaction, userId: string): Promise<string | undefined> {
  return (await getJson<UserHomeValue>(tx, globalKeys.userById(userId)))?.tenantId;
}

export async function readUser(tx: Transaction, userId: string): Promise<User | undefined> {
  const home = await readUserHome(tx, userId);
  if (home === undefined) return undefined;
  return getJson<User>(tx, tenantKeys(home).user(userId));
}

export async function readMember(
  tx: Transaction,
  tenantId: string,
  userId: string,
): Promise<MemberValue | undefined> {
  return getJson<MemberValue>(tx, tenantKeys(tenantId).member(userId));
}

export function writeMembership(
  tx: Transaction,
  tenantId: string,
  userId: string,
  value: MemberValue,
): void {
  const v = encodeJson(value);
  tx.set(tenantKeys(tenantId).member(userId), v);
  tx.set(globalKeys.userTenant(userId, tenantId), v);
}

export function clearMembership(tx: Transaction, tenantId: string, userId: string): void {
  tx.clear(tenantKeys(tenantId).member(userId));
  tx.clear(globalKeys.userTenant(userId, tenantId));
}

export function writeAuthSession(tx: Transaction, s: AuthSession): void {
  const keys = tenantKeys(s.tenantId);
  tx.set(keys.auth(s.id), encodeJson(s));
  tx.set(keys.authByUser(s.userId, s.id), EMPTY_VALUE);
  tx.set(keys.authByFamily(s.tokenFamily, s.id), EMPTY_VALUE);
  const ref: AuthSessionRef = { tenantId: s.tenantId, userId: s.userId };
  tx.set(globalKeys.authSession(s.id), encodeJson(ref));
}

export function deleteAuthSession(tx: Transaction, s: AuthSession): void {
  const keys = tenantKeys(s.tenantId);
  tx.clear(keys.auth(s.id));
  tx.clear(keys.authByUser(s.userId, s.id));
  tx.clear(keys.authByFamily(s.tokenFamily, s.id));
  tx.clear(globalKeys.authSession(s.id));
}

/** Every auth session of a user in one tenant, in id order. */
export function readUserAuthSessions(
  tx: Transaction,
  tenantId: string,
  userId: string,
  limit?: number,
): Promise<AuthSession[]> {
  return readIndexedAuthSessions(tx, tenantKeys(tenantId).authByUserSpace, userId, tenantId, limit);
}

export function readFamilyAuthSessions(
  tx: Transaction,
  tenantId: string,
  family: string,
): Promise<AuthSession[]> {
  return readIndexedAuthSessions(tx, tenantKeys(tenantId).authByFamilySpace, family, tenantId);
}

/** The auth sessions an index (auth_by_user or auth_by_family) lists under `owner`. */
async function readIndexedAuthSessions(
  tx: Transaction,
  index: KeyPrefix,
  owner: string,
  tenantId: string,
  limit?: number,
): Promise<AuthSession[]> {
  const keys = tenantKeys(tenantId);
  const r = index.range(owner);
  const rows = await tx.getRange(r.begin, r.end, limit ? { limit } : undefined);
  // Read together: on a cluster each read is a round trip.
  const values = await Promise.all(
    rows.map((row) => tx.get(keys.auth(index.unpack(row.key)[1] as string))),
  );
  const out: AuthSession[] = [];
  for (const v of values) if (v) out.push(decodeJson<AuthSession>(v));
  return out;
}

/**
 * Marks the active ones of `sessions` revoked, but for `exceptFamily`. Returns the families
 * this call ended: those it revokes now and, on a retry after commit_unknown_result, those
 * its applied attempt revoked (their revokedAt is this call's time).
 */
/**
 * Marks the active sessions among `sessions` revoked; the families this call ended.
 * `tried` carries the families earlier attempts of the same call ended, so that a retry
 * after a commit that applied but reported an error (1021) still counts them — and only
 * them: a family another call revoked in the same millisecond is not this call's.
 */
export function revokeAuthSessions(
  tx: Transaction,
  sessions: AuthSession[],
  nowIso: string,
  tried: Set<string>,
  exceptFamily?: string,
): Set<string> {
  const families = new Set<string>();
  for (const s of sessions) {
    if (s.tokenFamily === exceptFamily) continue;
    if (s.status === "active") {
      tx.set(
        tenantKeys(s.tenantId).auth(s.id),
        encodeJson({ ...s, status: "revoked", revokedAt: nowIso }),
      );
      families.add(s.tokenFamily);
    } else if (s.status === "revoked" && s.revokedAt === nowIso && tried.has(s.tokenFamily)) {
      families.add(s.tokenFamily);
    }
  }
  for (const family of families) tried.add(family);
  return families;
}

/** Marks a user's active auth sessions in one tenant revoked; the families it ended. */
export async function revokeUserAuthSessions(
  tx: Transaction,
  tenantId: string,
  userId: string,
  nowIso: string,
  tried: Set<string> = new Set(),
  exceptFamily?: string,
): Promise<Set<string>> {
  const sessions = await readUserAuthSessions(tx, tenantId, userId);
  return revokeAuthSessions(tx, sessions, nowIso, tried, exceptFamily);
}

/** revokeUserAuthSessions in every tenant the user belongs to; the families it ended. */
export async function revokeAllUserAuthSessions(
  tx: Transaction,
  userId: string,
  nowIso: string,
  tried: Set<string> = new Set(),
  exceptFamily?: string,
): Promise<Set<string>> {
  const r = globalKeys.userTenantsRange(userId);
  const tenantIds = (await tx.getRange(r.begin, r.end)).map(
    (row) => globalKeys.userTenantsSpace.unpack(row.key)[1] as string,
  );
  // Every tenant's sessions read together: on a cluster each read is a round trip.
  const ended = await Promise.all(
    tenantIds.map((tenantId) =>
      revokeUserAuthSessions(tx, tenantId, userId, nowIso, tried, exceptFamily),
    ),
  );
  const families = new Set<string>();
  for (const set of ended) for (const family of set) families.add(family);
  return families;
}

/** Writes every index entry of a workspace session's meta. */
export function writeWorkspaceIndexes(
  tx: Transaction,
  keys: TenantKeys,
  m: WorkspaceSessionMeta,
): void {
  const ms = dateMs(m.lastActiveAt);
  tx.set(keys.wsByUser(m.userId, m.id), EMPTY_VALUE);
  tx.set(keys.wsByPath(m.workspacePath, m.id), EMPTY_VALUE);
  tx.set(keys.wsRecent(m.userId, ms, m.id), EMPTY_VALUE);
  for (const tag of m.tags) {
    tx.set(keys.wsByTag(m.userId, tag, m.id), EMPTY_VALUE);
    tx.set(keys.wsByTagRecent(m.userId, tag, ms, m.id), EMPTY_VALUE);
  }
  if (m.parentSessionId) tx.set(keys.wsChild(m.parentSessionId, m.id), EMPTY_VALUE);
}

export function clearWorkspaceIndexes(
  tx: Transaction,
  keys: TenantKeys,
  m: WorkspaceSessionMeta,
): void {
  const ms = dateMs(m.lastActiveAt);
  tx.clear(keys.wsByUser(m.userId, m.id));
  tx.clear(keys.wsByPath(m.workspacePath, m.id));
  tx.clear(keys.wsRecent(m.userId, ms, m.id));
  for (const tag of m.tags) {
    tx.clear(keys.wsByTag(m.userId, tag, m.id));
    tx.clear(keys.wsByTagRecent(m.userId, tag, ms, m.id));
  }
  if (m.parentSessionId) tx.clear(keys.wsChild(m.parentSessionId, m.id));
}

/**
 * Removes a session: every part and chunk (one range clear), every index entry, and its
 * shares with both sides of each.
 */
export async function deleteWorkspace(
  tx: Transaction,
  keys: TenantKeys,
  m: WorkspaceSessionMeta,
): Promise<void> {
  const r = keys.wsRange(m.id);
  tx.clearRange(r.begin, r.end);
  clearWorkspaceIndexes(tx, keys, m);
  await clearWorkspaceShares(tx, keys, m.id);
  await clearWorkspaceFiles(tx, keys.tenantId, m);
}

/** Ends every share of a session: its (t,"ws_shares",sid,…) records and their index entries. */
export async function clearWorkspaceShares(
  tx: Transaction,
  keys: TenantKeys,
  sessionId: string,
): Promise<void> {
  const r = keys.wsSharesSpace.range(sessionId);
  const rows = await tx.getRange(r.begin, r.end);
  if (rows.length === 0) return;
  for (const row of rows) {
    const grantee = keys.wsSharesSpace.unpack(row.key)[1] as string;
    tx.clear(keys.wsSharedWith(grantee, sessionId));
  }
  tx.clearRange(r.begin, r.end);
}

export async function readWorkspaceMeta(
  tx: Transaction,
  keys: TenantKeys,
  sessionId: string,
): Promise<StoredWorkspaceMeta | undefined> {
  const sk = keys.ws(sessionId);
  const [meta, rev] = await Promise.all([
    getJson<WorkspaceMetaRecord>(tx, sk.meta),
    tx.get(sk.rev),
  ]);
  return meta && rev ? combineMeta(meta, decodeRev(rev)) : undefined;
}

/**
 * A plan limit counted over an index range, read up to the limit only: LimitError when
 * `range` already holds `max` entries; `null` is unlimited.
 */
export async function checkPlanLimit(
  tx: Transaction,
  limit: LimitError["limit"],
  range: KeyRange,
  max: number | null,
): Promise<void> {
  if (max === null) return;
  const rows = await tx.getRange(range.begin, range.end, { limit: max });
  if (rows.length >= max) throw new LimitError(limit, max);
}
