/** Shapes of stored values that are not models themselves, and tx-level operations shared by the repositories. */

import { globalKeys, type TenantKeys, tenantKeys } from "../keyspace";
import type { AuthSession } from "../models/auth-session";
import type { Tenant } from "../models/tenant";
import type { Role, User } from "../models/user";
import type { WorkspaceSessionMeta } from "../models/workspace-session";
import type { Transaction } from "../store/types";
import { ConflictError, NotFoundError } from "./errors";
import { dateMs, decodeJson, EMPTY_VALUE, encodeJson, getJson } from "./internal";

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

/** (t,"ws",sessionId,"rev"): what every save changes, kept small so a save reads little. */
export interface WorkspaceRevRecord {
  rev: number;
  updatedAt: string;
  lastActiveAt: string;
  /** How many chunk keys each part has now (0: absent), so a save clears exactly the rest. */
  chunks: PartChunks;
  /** The last few saves as [saveId, rev]: a retried save that already committed finds itself. */
  saves: Array<[string, number]>;
}

/** Both records of a session, as the repositories work with them. */
export type StoredWorkspaceMeta = WorkspaceMetaRecord & WorkspaceRevRecord;

export function toMeta(m: StoredWorkspaceMeta): WorkspaceSessionMeta {
  return {
    id: m.id,
    tenantId: m.tenantId,
    userId: m.userId,
    name: m.name,
    workspacePath: m.workspacePath,
    tags: m.tags,
    parentSessionId: m.parentSessionId,
    rev: m.rev,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    lastActiveAt: m.lastActiveAt,
  };
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

export function revRecordOf(m: StoredWorkspaceMeta): WorkspaceRevRecord {
  return {
    rev: m.rev,
    updatedAt: m.updatedAt,
    lastActiveAt: m.lastActiveAt,
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
  tx.set(sk.rev, encodeJson(revRecordOf(m)));
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
export async function readUserAuthSessions(
  tx: Transaction,
  tenantId: string,
  userId: string,
  limit?: number,
): Promise<AuthSession[]> {
  const keys = tenantKeys(tenantId);
  const r = keys.authByUserSpace.range(userId);
  const rows = await tx.getRange(r.begin, r.end, limit ? { limit } : undefined);
  const out: AuthSession[] = [];
  for (const row of rows) {
    const sid = keys.authByUserSpace.unpack(row.key)[1] as string;
    const v = await tx.get(keys.auth(sid));
    if (v) out.push(decodeJson<AuthSession>(v));
  }
  return out;
}

/** Marks a user's active auth sessions in one tenant revoked; returns how many. */
export async function revokeUserAuthSessions(
  tx: Transaction,
  tenantId: string,
  userId: string,
  nowIso: string,
  exceptFamily?: string,
): Promise<number> {
  let n = 0;
  for (const s of await readUserAuthSessions(tx, tenantId, userId)) {
    if (s.status !== "active" || s.tokenFamily === exceptFamily) continue;
    tx.set(
      tenantKeys(tenantId).auth(s.id),
      encodeJson({ ...s, status: "revoked", revokedAt: nowIso }),
    );
    n++;
  }
  return n;
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

/** Removes a session: every part and chunk (one range clear) and every index entry. */
export function deleteWorkspace(tx: Transaction, keys: TenantKeys, m: WorkspaceSessionMeta): void {
  const r = keys.wsRange(m.id);
  tx.clearRange(r.begin, r.end);
  clearWorkspaceIndexes(tx, keys, m);
}

export async function readWorkspaceMeta(
  tx: Transaction,
  keys: TenantKeys,
  sessionId: string,
): Promise<StoredWorkspaceMeta | undefined> {
  const sk = keys.ws(sessionId);
  const meta = await getJson<WorkspaceMetaRecord>(tx, sk.meta);
  const rev = await getJson<WorkspaceRevRecord>(tx, sk.rev);
  return meta && rev ? { ...meta, ...rev } : undefined;
}
