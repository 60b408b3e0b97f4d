/**
 * The one module that builds keys. Every key is FoundationDB tuple-encoded; see
 * DESIGN.md "Keyspace" and docs/keyspace.md for the layout and the additions.
 *
 * fdb-tuple's pack() costs a few µs a key, which an autosave pays several times. Strings
 * and non-negative integers — every element used here — are encoded by hand instead
 * (byte-identical, checked against fdb-tuple in keyspace.test.ts), and each subspace's
 * prefix is packed once and kept.
 */
import { pack, type TupleItem, unpack } from "fdb-tuple";
import type { Bytes } from "./store/types";

export type KeyPart = string | number;

const STRING_CODE = 0x02;
const INT_ZERO_CODE = 0x14;

/** Appends the tuple encoding of one string at `at`; returns the new offset. */
function writeString(out: Buffer, at: number, s: string, byteLen: number): number {
  out[at] = STRING_CODE;
  out.write(s, at + 1, byteLen, "utf8");
  out[at + 1 + byteLen] = 0x00;
  return at + 2 + byteLen;
}

function intBytes(n: number): number {
  let len = 0;
  let v = n;
  while (v > 0) {
    len++;
    v = Math.floor(v / 256);
  }
  return len;
}

function writeInt(out: Buffer, at: number, n: number, len: number): number {
  out[at] = INT_ZERO_CODE + len;
  let v = n;
  for (let i = len; i >= 1; i--) {
    out[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
  return at + 1 + len;
}

function isFastInt(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Tuple-encodes items after an already packed prefix. */
export function packAfter(prefix: Bytes, ...items: KeyPart[]): Bytes {
  let size = prefix.length;
  const lens: number[] = new Array(items.length);
  let fast = true;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (typeof item === "string") {
      // Strings with NUL need escaping (0x00 0xff); they are rare, leave them to fdb-tuple.
      if (item.includes("\u0000")) {
        fast = false;
        break;
      }
      const n = Buffer.byteLength(item, "utf8");
      lens[i] = n;
      size += n + 2;
    } else {
      if (!isFastInt(item)) {
        fast = false;
        break;
      }
      const n = intBytes(item);
      lens[i] = n;
      size += n + 1;
    }
  }
  if (!fast) return Buffer.concat([prefix, pack(items as TupleItem[])]);
  const out = Buffer.allocUnsafe(size);
  prefix.copy(out, 0);
  let at = prefix.length;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    at =
      typeof item === "string"
        ? writeString(out, at, item, lens[i]!)
        : writeInt(out, at, item, lens[i]!);
  }
  return out;
}

export function packKey(...items: KeyPart[]): Bytes {
  return packAfter(EMPTY, ...items);
}

/** Decodes a whole key back into its tuple items (consistency checks, debugging). */
export function unpackKey(key: Bytes): TupleItem[] {
  return unpack(key);
}

const EMPTY = Buffer.alloc(0);
const BYTE_00 = Buffer.from([0x00]);
const BYTE_FF = Buffer.from([0xff]);

export interface KeyRange {
  begin: Bytes;
  end: Bytes;
}

/** Every key strictly below the tuple prefix `p`. */
export function rangeOf(p: Bytes): KeyRange {
  return { begin: Buffer.concat([p, BYTE_00]), end: Buffer.concat([p, BYTE_FF]) };
}

/** Whether `key` lies in `r` (begin included, end excluded). */
export function keyInRange(key: Bytes, r: KeyRange): boolean {
  return Buffer.compare(key, r.begin) >= 0 && Buffer.compare(key, r.end) < 0;
}

/** The key right after `key` in byte order (for resuming a forward scan). */
export function keyAfter(key: Bytes): Bytes {
  return Buffer.concat([key, BYTE_00]);
}

/** A tuple prefix packed once, with children built by appending encoded items. */
export class KeyPrefix {
  readonly prefix: Bytes;
  private cachedRange: KeyRange | undefined;

  constructor(prefix: Bytes) {
    this.prefix = prefix;
  }

  key(...items: KeyPart[]): Bytes {
    return packAfter(this.prefix, ...items);
  }

  sub(...items: KeyPart[]): KeyPrefix {
    return new KeyPrefix(packAfter(this.prefix, ...items));
  }

  /** All keys under this prefix, or under this prefix followed by `items`. */
  range(...items: KeyPart[]): KeyRange {
    if (items.length > 0) return rangeOf(packAfter(this.prefix, ...items));
    this.cachedRange ??= rangeOf(this.prefix);
    return this.cachedRange;
  }

  contains(key: Bytes): boolean {
    return (
      key.length > this.prefix.length && key.subarray(0, this.prefix.length).equals(this.prefix)
    );
  }

  /** The tuple items of `key` after this prefix. */
  unpack(key: Bytes): TupleItem[] {
    return unpack(key.subarray(this.prefix.length));
  }
}

/**
 * The grantee element of a share with the whole tenant. Record ids are letters, digits,
 * `_` and `-`, so no user id equals it.
 */
export const TENANT_GRANTEE = "*";

/** Name of the global (non-tenant) top-level element; tenant ids never equal it. */
export const GLOBAL = "g";

/** Names of workspace session parts below (t,"ws",sessionId). */
export const WS_PART = {
  meta: "meta",
  rev: "rev",
  editor: "editor",
  terminal: "terminal",
  debug: "debug",
  memory: "memory",
  buffer: "buffer",
  /** (…,"buffer_size",path): one buffer's UTF-8 bytes, a counter (store/counter.ts). */
  bufferSize: "buffer_size",
  /** (…,"buffer_bytes"): the UTF-8 bytes of every buffer the session holds, a counter. */
  bufferBytes: "buffer_bytes",
  /**
   * Sessions written before the per-path sizes: every buffer's size as one JSON object
   * {path: bytes}, chunked like a part. Read once and replaced by the next buffer save.
   */
  bufferSizes: "buffer_sizes",
  scrollback: "scrollback",
  /** The server's terminals of the session: their list, active one and chunk counts. */
  terminals: "terminals",
  /** (t,"ws",sessionId,"terminal_state",terminalId,chunk): one terminal's saved state. */
  terminalState: "terminal_state",
} as const;

/** Global keys: ("g", ...). */
class GlobalKeys {
  readonly root = new KeyPrefix(packKey(GLOBAL));
  readonly usersByEmailSpace = this.root.sub("users_by_email");
  readonly usersByIdSpace = this.root.sub("users_by_id");
  readonly userTenantsSpace = this.root.sub("user_tenants");
  readonly tenantsActiveSpace = this.root.sub("tenants_active");
  readonly authSessionsSpace = this.root.sub("auth_sessions");
  readonly emailTokensSpace = this.root.sub("email_tokens");
  readonly emailTokensByUserSpace = this.root.sub("email_tokens_by_user");
  readonly throttleSpace = this.root.sub("throttle");
  readonly invitationsByEmailSpace = this.root.sub("invitations_by_email");
  readonly importsSpace = this.root.sub("imports");

  /** ("g","users_by_email",lower(email)) -> {userId, tenantId} */
  userByEmail(email: string): Bytes {
    return this.usersByEmailSpace.key(normalizeEmail(email));
  }
  /** ("g","users_by_id",userId) -> {tenantId}: a user's home tenant. */
  userById(userId: string): Bytes {
    return this.usersByIdSpace.key(userId);
  }
  /** ("g","user_tenants",userId,tenantId) -> {role, addedAt}: memberships of a user. */
  userTenant(userId: string, tenantId: string): Bytes {
    return this.userTenantsSpace.key(userId, tenantId);
  }
  userTenantsRange(userId: string): KeyRange {
    return this.userTenantsSpace.range(userId);
  }
  /** ("g","tenants_active",tenantId) -> "" */
  tenantActive(tenantId: string): Bytes {
    return this.tenantsActiveSpace.key(tenantId);
  }
  /** ("g","auth_sessions",sessionId) -> {tenantId, userId}: finds a refresh token's session. */
  authSession(sessionId: string): Bytes {
    return this.authSessionsSpace.key(sessionId);
  }
  /** ("g","email_tokens",sha256hex) -> EmailToken */
  emailToken(tokenHash: string): Bytes {
    return this.emailTokensSpace.key(tokenHash);
  }
  /** ("g","email_tokens_by_user",userId,purpose,sha256hex) -> "": a user's outstanding tokens. */
  emailTokenByUser(userId: string, purpose: string, tokenHash: string): Bytes {
    return this.emailTokensByUserSpace.key(userId, purpose, tokenHash);
  }
  emailTokensByUserRange(userId: string, purpose: string): KeyRange {
    return this.emailTokensByUserSpace.range(userId, purpose);
  }
  /** ("g","throttle",bucket,key) -> {windowStartMs, count, hits} */
  throttle(bucket: string, key: string): Bytes {
    return this.throttleSpace.key(bucket, key);
  }
  /** ("g","invitations_by_email",lower(email),tenantId) -> {invitationId}: one per tenant. */
  invitationByEmail(email: string, tenantId: string): Bytes {
    return this.invitationsByEmailSpace.key(normalizeEmail(email), tenantId);
  }
  invitationsByEmailRange(email: string): KeyRange {
    return this.invitationsByEmailSpace.range(normalizeEmail(email));
  }
  /** ("g","imports",exportSha256) -> {tenants, pairs, startedAt}: a tenant import under way. */
  importUnderWay(exportSha256: string): Bytes {
    return this.importsSpace.key(exportSha256);
  }
}

const SESSION_CACHE_MAX = 4096;

/** The keys below (t,"ws",sessionId); an autosave builds none of them from scratch. */
export class SessionKeys {
  readonly meta: Bytes;
  readonly rev: Bytes;
  /** (t,"ws",sessionId,"buffer_sizes"): its chunks are `chunk(WS_PART.bufferSizes, n)`. */
  readonly bufferSizes: Bytes;
  /** (t,"ws",sessionId,"buffer_bytes"): the bytes of all its buffers, a counter. */
  readonly bufferBytes: Bytes;
  private readonly firstChunks = new Map<string, Bytes>();
  private sizesRange: KeyRange | undefined;
  private sizeKeysRange: KeyRange | undefined;
  private allBuffersRange: KeyRange | undefined;

  constructor(readonly prefix: Bytes) {
    this.meta = packAfter(prefix, WS_PART.meta);
    this.rev = packAfter(prefix, WS_PART.rev);
    this.bufferSizes = packAfter(prefix, WS_PART.bufferSizes);
    this.bufferBytes = packAfter(prefix, WS_PART.bufferBytes);
  }

  /** (t,"ws",sessionId,"buffer_size",path): the bytes of one buffer, a counter. */
  bufferSize(path: string): Bytes {
    return packAfter(this.prefix, WS_PART.bufferSize, path);
  }

  /** Every buffer's size key. */
  get bufferSizeRange(): KeyRange {
    this.sizeKeysRange ??= rangeOf(packAfter(this.prefix, WS_PART.bufferSize));
    return this.sizeKeysRange;
  }

  /** Every chunk of the buffer sizes record. */
  get bufferSizesRange(): KeyRange {
    this.sizesRange ??= rangeOf(this.bufferSizes);
    return this.sizesRange;
  }

  /** Every chunk of every buffer: (t,"ws",sessionId,"buffer",...). */
  get buffersRange(): KeyRange {
    this.allBuffersRange ??= rangeOf(packAfter(this.prefix, WS_PART.buffer));
    return this.allBuffersRange;
  }

  chunk(part: string, chunk: number): Bytes {
    if (chunk !== 0) return packAfter(this.prefix, part, chunk);
    let key = this.firstChunks.get(part);
    if (!key) {
      key = packAfter(this.prefix, part, 0);
      this.firstChunks.set(part, key);
    }
    return key;
  }
}

/** Keys under one tenant's prefix: (t, ...). */
export class TenantKeys {
  readonly tenantId: string;
  readonly root: KeyPrefix;
  readonly usersSpace: KeyPrefix;
  readonly membersSpace: KeyPrefix;
  readonly authSpace: KeyPrefix;
  readonly authByUserSpace: KeyPrefix;
  readonly authByFamilySpace: KeyPrefix;
  readonly wsSpace: KeyPrefix;
  readonly wsByUserSpace: KeyPrefix;
  readonly wsByPathSpace: KeyPrefix;
  readonly wsRecentSpace: KeyPrefix;
  readonly wsByTagSpace: KeyPrefix;
  readonly wsByTagRecentSpace: KeyPrefix;
  readonly wsChildrenSpace: KeyPrefix;
  readonly wsForkingSpace: KeyPrefix;
  readonly wsSharesSpace: KeyPrefix;
  readonly wsSharedWithSpace: KeyPrefix;
  readonly invitationsSpace: KeyPrefix;
  readonly auditSpace: KeyPrefix;
  readonly settingsSpace: KeyPrefix;
  private readonly tenantKey: Bytes;
  private readonly settingsDefaultsKey: Bytes;
  private readonly sessionKeys = new Map<string, SessionKeys>();

  constructor(tenantId: string) {
    if (tenantId === GLOBAL || tenantId.length === 0) {
      throw new Error(`"${tenantId}" cannot be a tenant id`);
    }
    this.tenantId = tenantId;
    this.root = new KeyPrefix(packKey(tenantId));
    this.tenantKey = this.root.key("tenant");
    this.usersSpace = this.root.sub("users");
    this.membersSpace = this.root.sub("members");
    this.authSpace = this.root.sub("auth");
    this.authByUserSpace = this.root.sub("auth_by_user");
    this.authByFamilySpace = this.root.sub("auth_by_family");
    this.wsSpace = this.root.sub("ws");
    this.wsByUserSpace = this.root.sub("ws_by_user");
    this.wsByPathSpace = this.root.sub("ws_by_path");
    this.wsRecentSpace = this.root.sub("ws_recent");
    this.wsByTagSpace = this.root.sub("ws_by_tag");
    this.wsByTagRecentSpace = this.root.sub("ws_by_tag_recent");
    this.wsChildrenSpace = this.root.sub("ws_children");
    this.wsForkingSpace = this.root.sub("ws_forking");
    this.wsSharesSpace = this.root.sub("ws_shares");
    this.wsSharedWithSpace = this.root.sub("ws_shared_with");
    this.invitationsSpace = this.root.sub("invitations");
    this.auditSpace = this.root.sub("audit");
    this.settingsSpace = this.root.sub("settings");
    this.settingsDefaultsKey = this.root.key("settings_defaults");
  }

  /** (t,"settings",userId) -> UserSettingsRecord: a person's own values, in their home tenant. */
  userSettings(userId: string): Bytes {
    return this.settingsSpace.key(userId);
  }
  /** (t,"settings_defaults") -> TenantSettingsRecord: the organization's defaults. */
  settingsDefaults(): Bytes {
    return this.settingsDefaultsKey;
  }

  /** (t,"tenant") -> Tenant */
  tenant(): Bytes {
    return this.tenantKey;
  }
  /** (t,"users",userId) -> User */
  user(userId: string): Bytes {
    return this.usersSpace.key(userId);
  }
  /** (t,"members",userId) -> {role, addedAt} */
  member(userId: string): Bytes {
    return this.membersSpace.key(userId);
  }
  /** (t,"auth",sessionId) -> AuthSession */
  auth(sessionId: string): Bytes {
    return this.authSpace.key(sessionId);
  }
  /** (t,"auth_by_user",userId,sessionId) -> "" */
  authByUser(userId: string, sessionId: string): Bytes {
    return this.authByUserSpace.key(userId, sessionId);
  }
  /** (t,"auth_by_family",family,sessionId) -> "" */
  authByFamily(family: string, sessionId: string): Bytes {
    return this.authByFamilySpace.key(family, sessionId);
  }
  /** (t,"ws",sessionId): every part and chunk of one workspace session. */
  wsRange(sessionId: string): KeyRange {
    return this.wsSpace.range(sessionId);
  }
  /** The keys of one session, packed once and kept while the session is in use. */
  ws(sessionId: string): SessionKeys {
    let keys = this.sessionKeys.get(sessionId);
    if (!keys) {
      if (this.sessionKeys.size >= SESSION_CACHE_MAX) this.sessionKeys.clear();
      keys = new SessionKeys(this.wsSpace.key(sessionId));
      this.sessionKeys.set(sessionId, keys);
    }
    return keys;
  }
  /**
   * (t,"ws_forking",sessionId) -> {sourceId, createdAt}: a fork still being copied; its
   * rows under (t,"ws",sessionId) have no meta yet.
   */
  wsForking(sessionId: string): Bytes {
    return this.wsForkingSpace.key(sessionId);
  }
  /** The packed (t,"ws",sessionId) prefix itself. */
  wsPrefix(sessionId: string): Bytes {
    return this.ws(sessionId).prefix;
  }
  /** (t,"ws",sessionId,"meta") -> what describes the session (owner, name, path, tags...) */
  wsMeta(sessionId: string): Bytes {
    return this.ws(sessionId).meta;
  }
  /** (t,"ws",sessionId,"rev") -> what every save changes (rev, times, chunk counts) */
  wsRev(sessionId: string): Bytes {
    return this.ws(sessionId).rev;
  }
  /** (t,"ws",sessionId,part,chunk) for editor / terminal / debug / memory / scrollback. */
  wsPartChunk(sessionId: string, part: string, chunk: number): Bytes {
    return this.ws(sessionId).chunk(part, chunk);
  }
  /** (t,"ws",sessionId,"buffer",path,chunk) */
  wsBufferChunk(sessionId: string, path: string, chunk: number): Bytes {
    return this.wsSpace.key(sessionId, WS_PART.buffer, path, chunk);
  }
  wsBufferRange(sessionId: string, path: string): KeyRange {
    return this.wsSpace.range(sessionId, WS_PART.buffer, path);
  }
  /** (t,"ws_by_user",userId,sessionId) -> "" */
  wsByUser(userId: string, sessionId: string): Bytes {
    return this.wsByUserSpace.key(userId, sessionId);
  }
  /** (t,"ws_by_path",path,sessionId) -> "" */
  wsByPath(path: string, sessionId: string): Bytes {
    return this.wsByPathSpace.key(path, sessionId);
  }
  /** (t,"ws_recent",userId,lastActiveMs,sessionId) -> "" */
  wsRecent(userId: string, lastActiveMs: number, sessionId: string): Bytes {
    return this.wsRecentSpace.key(userId, lastActiveMs, sessionId);
  }
  /** (t,"ws_by_tag",userId,tag,sessionId) -> "" */
  wsByTag(userId: string, tag: string, sessionId: string): Bytes {
    return this.wsByTagSpace.key(userId, tag, sessionId);
  }
  /** (t,"ws_by_tag_recent",userId,tag,lastActiveMs,sessionId) -> "": tagged, newest first. */
  wsByTagRecent(userId: string, tag: string, lastActiveMs: number, sessionId: string): Bytes {
    return this.wsByTagRecentSpace.key(userId, tag, lastActiveMs, sessionId);
  }
  /** (t,"ws_children",parentId,sessionId) -> "" */
  wsChild(parentId: string, sessionId: string): Bytes {
    return this.wsChildrenSpace.key(parentId, sessionId);
  }
  /**
   * (t,"ws_shares",sessionId,grantee) -> {sharedAt, sharedBy}: read-only access to a session
   * for a member (grantee = userId) or the whole tenant (grantee = TENANT_GRANTEE).
   */
  wsShare(sessionId: string, grantee: string): Bytes {
    return this.wsSharesSpace.key(sessionId, grantee);
  }
  /** (t,"ws_shared_with",grantee,sessionId) -> "": what is shared with a member, or everyone. */
  wsSharedWith(grantee: string, sessionId: string): Bytes {
    return this.wsSharedWithSpace.key(grantee, sessionId);
  }
  /** (t,"invitations",invitationId) -> Invitation: the tenant's pending invitations. */
  invitation(invitationId: string): Bytes {
    return this.invitationsSpace.key(invitationId);
  }
  /**
   * (t,"audit",MAX_SAFE_INTEGER - atMs,countdown(eventId)) -> AuditEvent: a forward scan is
   * newest first, also among events of one millisecond (ids made later sort later).
   */
  audit(atMs: number, eventId: string): Bytes {
    return this.auditSpace.key(auditTimeKey(atMs), countdownId(eventId));
  }
}

const ID_DIGITS = "0123456789abcdefghjkmnpqrstvwxyz";

/** An id's complement digit by digit, so ids sort in reverse; other characters stay. */
export function countdownId(id: string): string {
  let out = "";
  for (const ch of id) {
    const i = ID_DIGITS.indexOf(ch);
    out += i < 0 ? ch : ID_DIGITS[31 - i];
  }
  return out;
}

/** Audit keys sort newest first: the time element counts down. */
export function auditTimeKey(atMs: number): number {
  return Number.MAX_SAFE_INTEGER - atMs;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const tenantKeyCache = new Map<string, TenantKeys>();
const TENANT_CACHE_MAX = 10_000;

/** The keys of one tenant, with its prefixes packed once and kept. */
export function tenantKeys(tenantId: string): TenantKeys {
  let keys = tenantKeyCache.get(tenantId);
  if (!keys) {
    if (tenantKeyCache.size >= TENANT_CACHE_MAX) tenantKeyCache.clear();
    keys = new TenantKeys(tenantId);
    tenantKeyCache.set(tenantId, keys);
  }
  return keys;
}

export const globalKeys = new GlobalKeys();
export type { GlobalKeys };

/** The whole application keyspace: every tuple key starts at or after 0x01. */
export const WHOLE_KEYSPACE: KeyRange = {
  begin: Buffer.from([0x00]),
  end: Buffer.from([0xff]),
};

/**
 * Keys of the files model (per workspace session, see docs/keyspace.md):
 * (t,"files",sessionId,path) -> WorkspaceFile record
 * (t,"files_opened",sessionId,lastOpenedMs,path) -> ""        (a workspace's, newest last)
 * (t,"files_recent",ownerId,lastOpenedMs,sessionId,path) -> "" (a user's, newest last)
 */
export class FileKeys {
  readonly filesSpace: KeyPrefix;
  readonly openedSpace: KeyPrefix;
  readonly recentSpace: KeyPrefix;

  constructor(tenant: TenantKeys) {
    this.filesSpace = tenant.root.sub("files");
    this.openedSpace = tenant.root.sub("files_opened");
    this.recentSpace = tenant.root.sub("files_recent");
  }

  file(sessionId: string, path: string): Bytes {
    return this.filesSpace.key(sessionId, path);
  }
  /** Every file record of one session. */
  filesRange(sessionId: string): KeyRange {
    return this.filesSpace.range(sessionId);
  }
  /**
   * The records of every path below the folder `folder` (not the folder's own): tuple
   * strings keep their UTF-8 bytes after a 0x02, so those keys share the bytes of
   * `folder/` and no UTF-8 byte is 0xff.
   */
  filesUnderRange(sessionId: string, folder: string): KeyRange {
    const begin = Buffer.concat([
      this.filesSpace.key(sessionId),
      Buffer.from([STRING_CODE]),
      Buffer.from(`${folder}/`, "utf8"),
    ]);
    return { begin, end: Buffer.concat([begin, BYTE_FF]) };
  }
  opened(sessionId: string, openedMs: number, path: string): Bytes {
    return this.openedSpace.key(sessionId, openedMs, path);
  }
  openedPrefix(sessionId: string): Bytes {
    return this.openedSpace.key(sessionId);
  }
  recent(ownerId: string, openedMs: number, sessionId: string, path: string): Bytes {
    return this.recentSpace.key(ownerId, openedMs, sessionId, path);
  }
  recentPrefix(ownerId: string): Bytes {
    return this.recentSpace.key(ownerId);
  }
}

const fileKeyCache = new Map<string, FileKeys>();

export function fileKeys(tenantId: string): FileKeys {
  let keys = fileKeyCache.get(tenantId);
  if (!keys) {
    if (fileKeyCache.size >= TENANT_CACHE_MAX) fileKeyCache.clear();
    keys = new FileKeys(tenantKeys(tenantId));
    fileKeyCache.set(tenantId, keys);
  }
  return keys;
}
