/**
 * checkConsistency walks the whole keyspace and reports every index entry without its
 * record and every record missing one of its index entries. An empty list means clean.
 *
 * It reads in pages (separate transactions, as FoundationDB's 5 s limit requires), so
 * run it on a quiet store: writes racing with the walk can show up as problems.
 */
import type { TupleItem } from "fdb-tuple";
import { describeImportUnderWay } from "./backup/tenant-transfer";
import {
  checkFiles,
  collectFileKey,
  FILE_SPACES,
  type FilesSeen,
  newFilesSeen,
} from "./consistency-files";
import {
  checkTerminals,
  collectTerminalKey,
  newTerminalsSeen,
  TERMINAL_PARTS,
  type TerminalsSeen,
} from "./consistency-terminals";
import {
  GLOBAL,
  globalKeys,
  keyAfter,
  normalizeEmail,
  unpackKey,
  WHOLE_KEYSPACE,
} from "./keyspace";
import type { AuthSession } from "./models/auth-session";
import type { Invitation } from "./models/invitation";
import { ZTenantSettingsRecord, ZUserSettingsRecord } from "./models/setting";
import type { Tenant } from "./models/tenant";
import type { User } from "./models/user";
import { decodeJson } from "./repos/internal";
import type { InvitationRef } from "./repos/invitation-repository";
import type {
  AuthSessionRef,
  EmailIndexValue,
  MemberValue,
  RevState,
  StoredWorkspaceMeta,
  UserHomeValue,
  WorkspaceMetaRecord,
} from "./repos/stored";
import { combineMeta, decodeBufferSizes, decodeRev } from "./repos/stored";
import { decodeCounter } from "./store/counter";
import type { Bytes, KeyValue, Store } from "./store/types";

export interface ConsistencyProblem {
  /** A short machine-readable kind, e.g. "index_without_record", "record_without_index". */
  kind: ConsistencyProblemKind;
  /** The key concerned, as a readable tuple. */
  key: string;
  message: string;
}

export type ConsistencyProblemKind =
  | "index_without_record"
  | "record_without_index"
  | "chunks_without_meta"
  | "chunks_not_contiguous"
  | "buffer_sizes_mismatch"
  | "orphan_tenant_data"
  | "tenant_deletion_incomplete"
  | "invalid_record"
  | "import_incomplete"
  | "unknown_key";

export interface CheckConsistencyOptions {
  /** Keys read per transaction (default 500). */
  pageSize?: number;
}

const SEP = "\u0000";
const j = (...parts: Array<string | number>) => parts.join(SEP);

function show(items: TupleItem[]): string {
  return `(${items.map((i) => JSON.stringify(i)).join(",")})`;
}

interface GlobalState {
  usersByEmail: Map<string, EmailIndexValue>;
  usersById: Map<string, string>;
  userTenants: Map<string, MemberValue>;
  tenantsActive: Set<string>;
  authSessions: Map<string, AuthSessionRef>;
  /** j(email, tenantId) -> invitationId */
  invitationsByEmail: Map<string, string>;
  seen: Set<string>;
}

interface TenantState {
  tenantId: string;
  files: FilesSeen;
  tenant?: Tenant;
  users: Map<string, User>;
  members: Map<string, MemberValue>;
  auth: Map<string, AuthSession>;
  authByUser: Set<string>;
  authByFamily: Set<string>;
  wsMetaRecords: Map<string, WorkspaceMetaRecord>;
  wsRevRecords: Map<string, RevState>;
  /** sessionId -> part -> chunk numbers, in key order. */
  wsChunks: Map<string, Map<string, number[]>>;
  /** sessionId -> path -> chunk numbers. */
  wsBuffers: Map<string, Map<string, number[]>>;
  /** sessionId -> path -> bytes of its chunks. */
  wsBufferBytes: Map<string, Map<string, number>>;
  /** sessionId -> the old buffer sizes record's chunks, in key order. */
  wsBufferSizes: Map<string, Array<{ n: number; value: Bytes }>>;
  /** sessionId -> path -> its size key's bytes. */
  wsSizeKeys: Map<string, Map<string, number>>;
  /** sessionId -> its buffer_bytes total. */
  wsBufferTotal: Map<string, number>;
  wsByUser: Set<string>;
  wsByPath: Set<string>;
  wsRecent: Set<string>;
  wsByTag: Set<string>;
  wsByTagRecent: Set<string>;
  wsChildren: Set<string>;
  /** Sessions still being copied by a fork: their rows have no meta yet. */
  wsForking: Set<string>;
  terminals: TerminalsSeen;
  /** j(sessionId, grantee) of each (t,"ws_shares",…) record. */
  wsShares: Set<string>;
  /** j(grantee, sessionId) of each (t,"ws_shared_with",…) entry. */
  wsSharedWith: Set<string>;
  invitations: Map<string, Invitation>;
  /** userId -> whether its (t,"settings",userId) record parses. */
  userSettings: Map<string, boolean>;
}

function newTenantState(tenantId: string): TenantState {
  return {
    tenantId,
    files: newFilesSeen(),
    users: new Map(),
    members: new Map(),
    auth: new Map(),
    authByUser: new Set(),
    authByFamily: new Set(),
    wsMetaRecords: new Map(),
    wsRevRecords: new Map(),
    wsChunks: new Map(),
    wsBuffers: new Map(),
    wsSizeKeys: new Map(),
    wsBufferTotal: new Map(),
    wsBufferBytes: new Map(),
    wsBufferSizes: new Map(),
    wsByUser: new Set(),
    wsByPath: new Set(),
    wsRecent: new Set(),
    wsByTag: new Set(),
    wsByTagRecent: new Set(),
    wsChildren: new Set(),
    wsForking: new Set(),
    terminals: newTerminalsSeen(),
    wsShares: new Set(),
    wsSharedWith: new Set(),
    invitations: new Map(),
    userSettings: new Map(),
  };
}

/** Walks [begin, end) in pages, one transaction each. */
async function* walk(store: Store, begin: Bytes, end: Bytes, pageSize: number) {
  let from = begin;
  for (;;) {
    const rows: KeyValue[] = await store.transact((tx) =>
      tx.getRange(from, end, { limit: pageSize }),
    );
    for (const row of rows) yield row;
    if (rows.length < pageSize) return;
    from = keyAfter(rows[rows.length - 1]!.key);
  }
}

export async function checkConsistency(
  store: Store,
  opts?: CheckConsistencyOptions,
): Promise<ConsistencyProblem[]> {
  const pageSize = opts?.pageSize ?? 500;
  const problems: ConsistencyProblem[] = [];
  const report = (kind: ConsistencyProblemKind, key: string, message: string) =>
    problems.push({ kind, key, message });

  const g: GlobalState = {
    usersByEmail: new Map(),
    usersById: new Map(),
    userTenants: new Map(),
    tenantsActive: new Set(),
    authSessions: new Map(),
    invitationsByEmail: new Map(),
    seen: new Set(),
  };
  const globalRange = globalKeys.root.range();
  for await (const row of walk(store, globalRange.begin, globalRange.end, pageSize)) {
    const items = globalKeys.root.unpack(row.key);
    const [space, a, b] = items as [string, string, string];
    switch (space) {
      case "users_by_email":
        g.usersByEmail.set(a, decodeJson<EmailIndexValue>(row.value));
        break;
      case "users_by_id":
        g.usersById.set(a, decodeJson<UserHomeValue>(row.value).tenantId);
        break;
      case "user_tenants":
        g.userTenants.set(j(a, b), decodeJson<MemberValue>(row.value));
        break;
      case "tenants_active":
        g.tenantsActive.add(a);
        break;
      case "auth_sessions":
        g.authSessions.set(a, decodeJson<AuthSessionRef>(row.value));
        break;
      case "invitations_by_email":
        g.invitationsByEmail.set(j(a, b), decodeJson<InvitationRef>(row.value).invitationId);
        break;
      case "imports":
        report("import_incomplete", show([GLOBAL, ...items]), describeImportUnderWay(row.value));
        break;
      case "email_tokens":
      case "email_tokens_by_user":
      case "throttle":
        break;
      default:
        report("unknown_key", show([GLOBAL, ...items]), "key in no known global subspace");
    }
  }

  // Tenant prefixes sort on both sides of "g"; walk both, one tenant at a time.
  let current: TenantState | undefined;
  const finish = () => {
    if (current) checkTenant(current, g, report);
    current = undefined;
  };
  const spans: Array<[Bytes, Bytes]> = [
    [WHOLE_KEYSPACE.begin, globalKeys.root.prefix],
    [globalRange.end, WHOLE_KEYSPACE.end],
  ];
  for (const [begin, end] of spans) {
    for await (const row of walk(store, begin, end, pageSize)) {
      const items = unpackKey(row.key);
      const tenantId = items[0];
      if (typeof tenantId !== "string") {
        report("unknown_key", show(items), "key outside every tenant and the global space");
        continue;
      }
      if (current?.tenantId !== tenantId) {
        finish();
        current = newTenantState(tenantId);
      }
      collect(current, items, row.value, report);
    }
  }
  finish();

  for (const [email, ref] of g.usersByEmail) {
    if (!g.seen.has(j("email", email))) {
      report(
        "index_without_record",
        show([GLOBAL, "users_by_email", email]),
        `no user ${ref.userId} with this email in tenant ${ref.tenantId}`,
      );
    }
  }
  for (const [userId, tenantId] of g.usersById) {
    if (!g.seen.has(j("user", userId))) {
      report(
        "index_without_record",
        show([GLOBAL, "users_by_id", userId]),
        `no user record in tenant ${tenantId}`,
      );
    }
  }
  for (const key of g.userTenants.keys()) {
    if (!g.seen.has(j("user_tenant", key))) {
      const [userId, tenantId] = key.split(SEP) as [string, string];
      report(
        "index_without_record",
        show([GLOBAL, "user_tenants", userId, tenantId]),
        "no matching (t,members,userId) entry",
      );
    }
  }
  for (const tenantId of g.tenantsActive) {
    if (!g.seen.has(j("tenant_active", tenantId))) {
      report(
        "index_without_record",
        show([GLOBAL, "tenants_active", tenantId]),
        "no active tenant record",
      );
    }
  }
  for (const [key, id] of g.invitationsByEmail) {
    if (!g.seen.has(j("invitation", key))) {
      const [email, tenantId] = key.split(SEP) as [string, string];
      report(
        "index_without_record",
        show([GLOBAL, "invitations_by_email", email, tenantId]),
        `no invitation ${id} for this email in tenant ${tenantId}`,
      );
    }
  }
  for (const [sid, ref] of g.authSessions) {
    if (!g.seen.has(j("auth", sid))) {
      report(
        "index_without_record",
        show([GLOBAL, "auth_sessions", sid]),
        `no auth session in tenant ${ref.tenantId}`,
      );
    }
  }
  return problems;
}

type Report = (kind: ConsistencyProblemKind, key: string, message: string) => void;

/** The value under `key`, made and stored first if there is none. */
function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

const newMap = <K, V>() => new Map<K, V>();

function pushChunk(map: Map<string, Map<string, number[]>>, sid: string, name: string, n: number) {
  entry(entry(map, sid, newMap<string, number[]>), name, () => []).push(n);
}

function addBytes(map: Map<string, Map<string, number>>, sid: string, path: string, n: number) {
  const paths = entry(map, sid, newMap<string, number>);
  paths.set(path, (paths.get(path) ?? 0) + n);
}

/**
 * The buffer sizes record of a session against the bytes its buffers' chunks hold. Paths
 * in `skip` (buffers with a gap, reported as such) are left out: their size is no news.
 */
function checkBufferSizes(
  t: string,
  sid: string,
  s: TenantState,
  actual: Map<string, number> | undefined,
  skip: ReadonlySet<string>,
  report: Report,
): void {
  const record = s.wsBufferSizes.get(sid);
  const sizeKeys = s.wsSizeKeys.get(sid);
  const total = s.wsBufferTotal.get(sid);
  const key = show([t, "ws", sid, "buffer_sizes"]);
  const mismatch = (message: string) => report("buffer_sizes_mismatch", key, message);
  if (sizeKeys || total !== undefined) {
    const at = (path: string) => show([t, "ws", sid, "buffer_size", path]);
    if (record) mismatch("an old buffer sizes record beside the per-path sizes");
    let sum = 0;
    for (const [path, n] of sizeKeys ?? []) {
      sum += n;
      if (skip.has(path)) continue;
      const have = actual?.get(path);
      if (have === undefined) {
        report("buffer_sizes_mismatch", at(path), `records ${n} B for a buffer with no chunks`);
      } else if (have !== n) {
        report("buffer_sizes_mismatch", at(path), `records ${n} B, its chunks hold ${have} B`);
      }
    }
    for (const [path, have] of actual ?? []) {
      if (!skip.has(path) && !sizeKeys?.has(path)) {
        report("buffer_sizes_mismatch", at(path), `stray buffer chunks (${have} B) with no size`);
      }
    }
    const totalKey = show([t, "ws", sid, "buffer_bytes"]);
    if (total === undefined) {
      report("buffer_sizes_mismatch", totalKey, `no total for sizes summing to ${sum} B`);
    } else if (total !== sum) {
      report("buffer_sizes_mismatch", totalKey, `total ${total} B, the sizes sum to ${sum} B`);
    }
    return;
  }
  if (!record) {
    let held = 0;
    for (const path of actual?.keys() ?? []) if (!skip.has(path)) held++;
    if (held > 0) mismatch(`no buffer sizes record for ${held} buffer(s)`);
    return;
  }
  if (record.some((r, i) => r.n !== i)) {
    report(
      "chunks_not_contiguous",
      key,
      `buffer sizes chunks [${record.map((r) => r.n).join(",")}]`,
    );
    return;
  }
  let sizes: Map<string, number>;
  try {
    sizes = decodeBufferSizes(record.map((r) => r.value));
  } catch {
    mismatch("the buffer sizes record is not JSON");
    return;
  }
  for (const [path, n] of sizes) {
    if (skip.has(path)) continue;
    const have = actual?.get(path);
    if (have === undefined)
      mismatch(`records ${n} B for ${JSON.stringify(path)}, which has no chunks`);
    else if (have !== n)
      mismatch(`records ${n} B for ${JSON.stringify(path)}, its chunks hold ${have} B`);
  }
  for (const [path, have] of actual ?? []) {
    if (!skip.has(path) && !sizes.has(path))
      mismatch(`no size for ${JSON.stringify(path)} (${have} B)`);
  }
}

function decodeJsonOrNull(value: Bytes): unknown {
  try {
    return decodeJson<unknown>(value);
  } catch {
    return null;
  }
}

function collect(s: TenantState, items: TupleItem[], value: Bytes, report: Report): void {
  const [, space, a, b, c, d] = items as [string, string, string, unknown, unknown, unknown];
  if (FILE_SPACES.has(space)) {
    collectFileKey(s.files, items.slice(1), value);
    return;
  }
  switch (space) {
    case "tenant":
      s.tenant = decodeJson<Tenant>(value);
      return;
    case "users":
      s.users.set(a, decodeJson<User>(value));
      return;
    case "members":
      s.members.set(a, decodeJson<MemberValue>(value));
      return;
    case "auth":
      s.auth.set(a, decodeJson<AuthSession>(value));
      return;
    case "auth_by_user":
      s.authByUser.add(j(a, b as string));
      return;
    case "auth_by_family":
      s.authByFamily.add(j(a, b as string));
      return;
    case "ws":
      if (b === "meta") s.wsMetaRecords.set(a, decodeJson<WorkspaceMetaRecord>(value));
      else if (b === "rev") s.wsRevRecords.set(a, decodeRev(value));
      else if (b === "buffer") {
        pushChunk(s.wsBuffers, a, c as string, d as number);
        addBytes(s.wsBufferBytes, a, c as string, value.length);
      } else if (b === "buffer_size") {
        entry(s.wsSizeKeys, a, newMap<string, number>).set(c as string, decodeCounter(value));
      } else if (b === "buffer_bytes") {
        s.wsBufferTotal.set(a, decodeCounter(value));
      } else if (b === "buffer_sizes") {
        if (typeof c !== "number" || items.length !== 5) {
          report("unknown_key", show(items), "buffer sizes key without a chunk number");
          return;
        }
        entry(s.wsBufferSizes, a, () => []).push({ n: c, value });
      } else if (TERMINAL_PARTS.has(b as string)) {
        collectTerminalKey(s.terminals, items.slice(2), value);
      } else pushChunk(s.wsChunks, a, b as string, c as number);
      return;
    case "ws_by_user":
      s.wsByUser.add(j(a, b as string));
      return;
    case "ws_by_path":
      s.wsByPath.add(j(a, b as string));
      return;
    case "ws_recent":
      s.wsRecent.add(j(a, b as number, c as string));
      return;
    case "ws_by_tag":
      s.wsByTag.add(j(a, b as string, c as string));
      return;
    case "ws_by_tag_recent":
      s.wsByTagRecent.add(j(a, b as string, c as number, d as string));
      return;
    case "ws_children":
      s.wsChildren.add(j(a, b as string));
      return;
    case "ws_forking":
      s.wsForking.add(a);
      return;
    case "ws_shares":
      s.wsShares.add(j(a, b as string));
      return;
    case "ws_shared_with":
      s.wsSharedWith.add(j(a, b as string));
      return;
    case "invitations":
      s.invitations.set(a, decodeJson<Invitation>(value));
      return;
    case "audit":
      return;
    case "settings":
      s.userSettings.set(a, ZUserSettingsRecord.safeParse(decodeJsonOrNull(value)).success);
      return;
    case "settings_defaults":
      if (!ZTenantSettingsRecord.safeParse(decodeJsonOrNull(value)).success) {
        report("invalid_record", show(items), "tenant settings defaults that do not parse");
      }
      return;
    default:
      report("unknown_key", show(items), "key in no known tenant subspace");
  }
}

function checkTenant(s: TenantState, g: GlobalState, report: Report): void {
  const t = s.tenantId;
  const missing = (key: TupleItem[], what: string) =>
    report("record_without_index", show(key), `missing ${what}`);
  const dangling = (key: TupleItem[], what: string) =>
    report("index_without_record", show(key), what);

  if (!s.tenant) {
    report("orphan_tenant_data", show([t]), "keys under a tenant that has no (t,tenant) record");
  } else {
    if (s.tenant.status === "deleting") {
      report("tenant_deletion_incomplete", show([t, "tenant"]), "tenant delete did not finish");
    }
    const listed = g.tenantsActive.has(t);
    if (listed) g.seen.add(j("tenant_active", t));
    if (s.tenant.status === "active" && !listed) missing([t, "tenant"], "tenants_active entry");
    if (s.tenant.status !== "active" && listed) {
      dangling([GLOBAL, "tenants_active", t], `tenant is ${s.tenant.status}`);
    }
  }

  for (const [uid, user] of s.users) {
    const email = normalizeEmail(user.email);
    const ref = g.usersByEmail.get(email);
    if (ref && ref.userId === uid && ref.tenantId === t) g.seen.add(j("email", email));
    else missing([t, "users", uid], `users_by_email entry for ${email}`);
    if (g.usersById.get(uid) === t) g.seen.add(j("user", uid));
    else missing([t, "users", uid], "users_by_id entry");
    if (!s.members.has(uid)) missing([t, "users", uid], "home membership (t,members,userId)");
  }

  // A person's own settings live in their home tenant, beside their user record.
  for (const [uid, valid] of s.userSettings) {
    if (!s.users.has(uid)) dangling([t, "settings", uid], `no user ${uid} at home here`);
    if (!valid) report("invalid_record", show([t, "settings", uid]), "settings that do not parse");
  }

  for (const [uid, m] of s.members) {
    const other = g.userTenants.get(j(uid, t));
    if (other && other.role === m.role) g.seen.add(j("user_tenant", j(uid, t)));
    else missing([t, "members", uid], "matching user_tenants entry");
    if (!g.usersById.has(uid)) dangling([t, "members", uid], `no user ${uid}`);
  }

  for (const [sid, a] of s.auth) {
    if (!s.authByUser.has(j(a.userId, sid))) missing([t, "auth", sid], "auth_by_user entry");
    if (!s.authByFamily.has(j(a.tokenFamily, sid))) {
      missing([t, "auth", sid], "auth_by_family entry");
    }
    const ref = g.authSessions.get(sid);
    if (ref && ref.tenantId === t && ref.userId === a.userId) g.seen.add(j("auth", sid));
    else missing([t, "auth", sid], "auth_sessions entry");
  }
  for (const key of s.authByUser) {
    const [uid, sid] = key.split(SEP) as [string, string];
    if (s.auth.get(sid)?.userId !== uid) {
      dangling([t, "auth_by_user", uid, sid], "no such auth session of this user");
    }
  }
  for (const key of s.authByFamily) {
    const [fam, sid] = key.split(SEP) as [string, string];
    if (s.auth.get(sid)?.tokenFamily !== fam) {
      dangling([t, "auth_by_family", fam, sid], "no such auth session in this family");
    }
  }

  // A session exists when both its meta and rev records do.
  const wsMeta = new Map<string, StoredWorkspaceMeta>();
  for (const [sid, meta] of s.wsMetaRecords) {
    const rev = s.wsRevRecords.get(sid);
    if (rev) wsMeta.set(sid, combineMeta(meta, rev));
  }
  for (const [sid, m] of wsMeta) {
    const ms = Date.parse(m.lastActiveAt);
    if (!s.wsByUser.has(j(m.userId, sid))) missing([t, "ws", sid, "meta"], "ws_by_user entry");
    if (!s.wsByPath.has(j(m.workspacePath, sid))) {
      missing([t, "ws", sid, "meta"], "ws_by_path entry");
    }
    if (!s.wsRecent.has(j(m.userId, ms, sid))) missing([t, "ws", sid, "meta"], "ws_recent entry");
    for (const tag of m.tags) {
      if (!s.wsByTag.has(j(m.userId, tag, sid))) {
        missing([t, "ws", sid, "meta"], `ws_by_tag entry for ${tag}`);
      }
      if (!s.wsByTagRecent.has(j(m.userId, tag, ms, sid))) {
        missing([t, "ws", sid, "meta"], `ws_by_tag_recent entry for ${tag}`);
      }
    }
    if (m.parentSessionId && !s.wsChildren.has(j(m.parentSessionId, sid))) {
      missing([t, "ws", sid, "meta"], "ws_children entry");
    }
    const chunks = s.wsChunks.get(sid);
    for (const [part, expected] of Object.entries(m.chunks ?? {})) {
      const have = chunks?.get(part) ?? [];
      if (have.length !== expected || have.some((n, i) => n !== i)) {
        const strays = have.length > expected && have.slice(0, expected).every((n, i) => n === i);
        report(
          "chunks_not_contiguous",
          show([t, "ws", sid, part]),
          strays
            ? `stray chunks [${have.slice(expected).join(",")}] beyond the ${expected} the rev record counts`
            : `meta says ${expected} chunks, found [${have.join(",")}]`,
        );
      }
    }
    for (const part of chunks?.keys() ?? []) {
      if (!(part in (m.chunks ?? {}))) {
        report("unknown_key", show([t, "ws", sid, part]), "part unknown to the meta");
      }
    }
    const broken = new Set<string>();
    for (const [path, have] of s.wsBuffers.get(sid) ?? []) {
      if (have.some((n, i) => n !== i)) {
        broken.add(path);
        report(
          "chunks_not_contiguous",
          show([t, "ws", sid, "buffer", path]),
          `buffer chunks [${have.join(",")}]`,
        );
      }
    }
    checkBufferSizes(t, sid, s, s.wsBufferBytes.get(sid), broken, report);
  }
  const withData = [
    ...s.wsChunks.keys(),
    ...s.wsBuffers.keys(),
    ...s.wsBufferSizes.keys(),
    ...s.wsSizeKeys.keys(),
    ...s.wsBufferTotal.keys(),
    ...s.wsMetaRecords.keys(),
    ...s.wsRevRecords.keys(),
  ];
  for (const sid of new Set(withData)) {
    if (!wsMeta.has(sid) && !s.wsForking.has(sid)) {
      report(
        "chunks_without_meta",
        show([t, "ws", sid]),
        "parts or chunks of a session with no meta",
      );
    }
  }
  const meta = (sid: string) => wsMeta.get(sid);
  checkTerminals(t, s.terminals, new Set(wsMeta.keys()), report);
  const owners = new Map([...wsMeta].map(([sid, m]) => [sid, m.userId]));
  checkFiles(t, s.files, owners, report);
  for (const key of s.wsByUser) {
    const [uid, sid] = key.split(SEP) as [string, string];
    if (meta(sid)?.userId !== uid) dangling([t, "ws_by_user", uid, sid], "no such session");
  }
  for (const key of s.wsByPath) {
    const [path, sid] = key.split(SEP) as [string, string];
    if (meta(sid)?.workspacePath !== path)
      dangling([t, "ws_by_path", path, sid], "no such session");
  }
  for (const key of s.wsRecent) {
    const [uid, ms, sid] = key.split(SEP) as [string, string, string];
    const m = meta(sid);
    if (!m || m.userId !== uid || String(Date.parse(m.lastActiveAt)) !== ms) {
      dangling(
        [t, "ws_recent", uid, Number(ms), sid],
        "no session with this owner and activity time",
      );
    }
  }
  for (const key of s.wsByTag) {
    const [uid, tag, sid] = key.split(SEP) as [string, string, string];
    const m = meta(sid);
    if (!m || m.userId !== uid || !m.tags.includes(tag)) {
      dangling([t, "ws_by_tag", uid, tag, sid], "no session of this owner with this tag");
    }
  }
  for (const key of s.wsByTagRecent) {
    const [uid, tag, ms, sid] = key.split(SEP) as [string, string, string, string];
    const m = meta(sid);
    if (
      !m ||
      m.userId !== uid ||
      !m.tags.includes(tag) ||
      String(Date.parse(m.lastActiveAt)) !== ms
    ) {
      dangling([t, "ws_by_tag_recent", uid, tag, Number(ms), sid], "no matching tagged session");
    }
  }
  for (const key of s.wsChildren) {
    const [parent, sid] = key.split(SEP) as [string, string];
    if (meta(sid)?.parentSessionId !== parent) {
      dangling([t, "ws_children", parent, sid], "no session with this parent");
    }
  }
  for (const key of s.wsShares) {
    const [sid, grantee] = key.split(SEP) as [string, string];
    if (!wsMeta.has(sid)) dangling([t, "ws_shares", sid, grantee], "share of no session");
    if (!s.wsSharedWith.has(j(grantee, sid))) {
      missing([t, "ws_shares", sid, grantee], "ws_shared_with entry");
    }
  }
  for (const key of s.wsSharedWith) {
    const [grantee, sid] = key.split(SEP) as [string, string];
    if (!s.wsShares.has(j(sid, grantee))) {
      dangling([t, "ws_shared_with", grantee, sid], "no such share");
    }
  }
  for (const [id, inv] of s.invitations) {
    const key = j(inv.email, t);
    if (g.invitationsByEmail.get(key) === id) g.seen.add(j("invitation", key));
    else missing([t, "invitations", id], `invitations_by_email entry for ${inv.email}`);
  }
}
