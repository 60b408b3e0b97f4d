import {
  type KeyPart,
  type KeyPrefix,
  keyAfter,
  type SessionKeys,
  type TenantKeys,
  tenantKeys,
  WS_PART,
} from "../keyspace";
import type { Page, PageRequest } from "../models/common";
import { newId } from "../models/ids";
import {
  type Buffers,
  type BuffersPatch,
  type DebugState,
  defaultDebugState,
  defaultEditorState,
  defaultMemoryState,
  defaultTerminalState,
  type EditorState,
  type MemoryState,
  type TerminalState,
  type WorkspaceSession,
  type WorkspaceSessionMeta,
} from "../models/workspace-session";
import { decodeCounter, encodeCounter } from "../store/counter";
import { FDB_ERROR, StoreError } from "../store/errors";
import type { Bytes, KeyValue, Store, Transaction } from "../store/types";
import {
  ConflictError,
  LimitError,
  NotFoundError,
  NotOwnerError,
  PayloadTooLargeError,
  ValidationError,
} from "./errors";
import {
  chunkCount,
  clampLimit,
  decodeJson,
  EMPTY_VALUE,
  encodeJson,
  getJson,
  getJsonShared,
  isoOf,
  scanPage,
  splitChunks,
  transact,
  uniqueStrings,
} from "./internal";
import {
  type BufferSizes,
  CHUNKED_PARTS,
  type ChunkedPart,
  checkPlanLimit,
  clearWorkspaceIndexes,
  combineMeta,
  decodeBufferSizes,
  decodeRev,
  deleteWorkspace,
  encodeRev,
  type PartChunks,
  type RevState,
  readMember,
  readWorkspaceMeta,
  requireActiveTenant,
  type StoredWorkspaceMeta,
  toMeta,
  type WorkspaceMetaRecord,
  writeWorkspaceIndexes,
  writeWorkspaceRecords,
} from "./stored";

export interface WorkspaceState {
  editor?: EditorState;
  terminal?: TerminalState;
  debug?: DebugState;
  memory?: MemoryState;
}

export interface CreateWorkspaceSessionInput extends WorkspaceState {
  id?: string;
  tenantId: string;
  userId: string;
  name: string;
  workspacePath: string;
  tags?: string[];
  parentSessionId?: string | null;
  buffers?: Buffers;
  now?: Date;
}

/** An autosave: the parts given replace the stored ones; buffers is a per-path patch. */
export interface SaveWorkspaceInput extends WorkspaceState {
  /** The rev the client last saw; a stale one throws ConflictError with currentRev. */
  baseRev: number;
  buffers?: BuffersPatch;
}

export interface SaveResult {
  rev: number;
  savedAt: string;
}

export interface ForkWorkspaceInput {
  id?: string;
  name: string;
  /** Owner of the copy (default: the source's owner); must be a member of the tenant. */
  userId?: string;
  /** The copy's folder (default: the source's), when the fork copied the files. */
  workspacePath?: string;
  now?: Date;
}

export interface UpdateWorkspaceMetaInput {
  name?: string;
  tags?: string[];
  now?: Date;
}

/** What one transaction may write, with room left for keys and indexes. */
const MAX_SAVE_BYTES = 9_000_000;
const MAX_TAGS = 32;
/**
 * lastActiveAt (and with it the recency index entries) moves only when it is this much
 * behind: a burst of autosaves moves the entries once a second, not on every keystroke.
 */
export const ACTIVITY_GRANULARITY_MS = 1000;

/** Parts encoded outside the transaction (pure work, not repeated on retries). */
interface EncodedState {
  parts: Partial<Record<ChunkedPart, Bytes | null>>;
  buffers: Array<[string, Bytes | null]>;
}

function encodeState(state: WorkspaceState & { buffers?: BuffersPatch }): EncodedState {
  const parts: EncodedState["parts"] = {};
  let bytes = 0;
  const put = (part: ChunkedPart, value: Bytes | null) => {
    parts[part] = value;
    bytes += value?.length ?? 0;
  };
  if (state.editor) put("editor", encodeJson(state.editor));
  if (state.debug) put("debug", encodeJson(state.debug));
  if (state.memory) put("memory", encodeJson(state.memory));
  if (state.terminal) {
    const { scrollback, ...terminal } = state.terminal;
    put("terminal", encodeJson(terminal));
    put("scrollback", scrollback === undefined ? null : Buffer.from(scrollback, "utf8"));
  }
  const buffers: EncodedState["buffers"] = [];
  for (const [path, text] of Object.entries(state.buffers ?? {})) {
    const value = text === null || text === undefined ? null : Buffer.from(text, "utf8");
    buffers.push([path, value]);
    bytes += (value?.length ?? 0) + path.length;
  }
  if (bytes > MAX_SAVE_BYTES) {
    throw new PayloadTooLargeError(`the state to save is ${bytes} B; at most ${MAX_SAVE_BYTES} B`);
  }
  return { parts, buffers };
}

/**
 * Writes the encoded parts and buffers: chunks 0..n-1, then clears the chunks the old value
 * had beyond n. `oldBuffers` holds the bytes each patched buffer held before (its size
 * key), which says how many chunks it had: no range clear is needed, and a range
 * clear would empty the SQLite store's whole read cache on every buffer save.
 */
function writeState(
  tx: Transaction,
  keys: TenantKeys,
  sessionId: string,
  state: EncodedState,
  chunks: PartChunks,
  oldBuffers: ReadonlyMap<string, number>,
): void {
  const sk = keys.ws(sessionId);
  for (const part of CHUNKED_PARTS) {
    const value = state.parts[part];
    if (value === undefined) continue;
    chunks[part] = writeChunks(tx, (i) => sk.chunk(part, i), value, chunks[part]);
  }
  for (const [path, value] of state.buffers) {
    const old = oldBuffers.get(path);
    const oldChunks = old === undefined ? 0 : chunkCount(old);
    writeChunks(tx, (i) => keys.wsBufferChunk(sessionId, path, i), value, oldChunks);
  }
}

const KB = 1024;
const MB = 1024 * KB;

/** A byte count as people read it: "812 B", "3.4 KB", "32.0 MB". */
function sizeText(bytes: number): string {
  if (bytes < KB) return `${bytes} B`;
  if (bytes < MB) return `${(bytes / KB).toFixed(1)} KB`;
  return `${(bytes / MB).toFixed(1)} MB`;
}

/** Per path, the bytes of its chunks, summed from the buffers themselves. */
function sumBufferChunks(keys: TenantKeys, rows: readonly KeyValue[]): BufferSizes {
  const sizes: BufferSizes = new Map();
  for (const row of rows) {
    const path = keys.wsSpace.unpack(row.key)[2] as string;
    sizes.set(path, (sizes.get(path) ?? 0) + row.value.length);
  }
  return sizes;
}

/**
 * The buffer sizes of a session written before the per-path sizes: its JSON record, or
 * (older still, with no record) summed from its buffers' chunks.
 */
async function readOldBufferSizes(
  tx: Transaction,
  keys: TenantKeys,
  sk: SessionKeys,
): Promise<{ sizes: BufferSizes; recordChunks: number }> {
  const rows = await tx.getRange(sk.bufferSizesRange.begin, sk.bufferSizesRange.end);
  if (rows.length > 0) {
    return { sizes: decodeBufferSizes(rows.map((r) => r.value)), recordChunks: rows.length };
  }
  const buffers = await tx.getRange(sk.buffersRange.begin, sk.buffersRange.end);
  return { sizes: sumBufferChunks(keys, buffers), recordChunks: 0 };
}

/** Gives a session written before the per-path sizes its size keys and total, once. */
async function convertBufferSizes(
  tx: Transaction,
  keys: TenantKeys,
  sk: SessionKeys,
): Promise<void> {
  const { sizes, recordChunks } = await readOldBufferSizes(tx, keys, sk);
  writeBufferSizes(tx, sk, sizes);
  if (recordChunks > 0) tx.clearRange(sk.bufferSizesRange.begin, sk.bufferSizesRange.end);
}

/** The bytes of every buffer the session holds: its total, or an older session's sizes. */
async function bufferBytesOf(tx: Transaction, keys: TenantKeys, sk: SessionKeys): Promise<number> {
  const total = await tx.get(sk.bufferBytes);
  if (total !== undefined) return decodeCounter(total);
  let sum = 0;
  for (const n of (await readOldBufferSizes(tx, keys, sk)).sizes.values()) sum += n;
  return sum;
}

/** Writes every buffer's size key, and their total. */
function writeBufferSizes(tx: Transaction, sk: SessionKeys, sizes: BufferSizes): void {
  let total = 0;
  for (const [path, n] of sizes) {
    tx.set(sk.bufferSize(path), encodeCounter(n));
    total += n;
  }
  tx.set(sk.bufferBytes, encodeCounter(total));
}

/**
 * Writes a chunked value as chunks 0..n-1 (keys from `keyOf`) and clears the chunks beyond
 * n that its old value had (all of them for null). Returns n.
 */
function writeChunks(
  tx: Transaction,
  keyOf: (chunk: number) => Bytes,
  value: Bytes | null,
  oldChunks: number,
): number {
  const pieces = value === null ? [] : splitChunks(value);
  for (let i = 0; i < pieces.length; i++) tx.set(keyOf(i), pieces[i]!);
  for (let i = pieces.length; i < oldChunks; i++) tx.clear(keyOf(i));
  return pieces.length;
}

/**
 * Applies a save's buffer patch to the sizes: reads and writes the size keys of the
 * patched paths only, and adds the difference to the total, so a save costs the same
 * whatever the number of open files. With `maxBytes`, a total above it throws
 * PayloadTooLargeError before anything is written. Returns what the patched buffers held
 * before, for those that existed.
 */
async function updateBufferSizes(
  tx: Transaction,
  keys: TenantKeys,
  sk: SessionKeys,
  patch: EncodedState["buffers"],
  maxBytes: number | undefined,
): Promise<BufferSizes> {
  if ((await tx.get(sk.bufferBytes)) === undefined) await convertBufferSizes(tx, keys, sk);
  const olds = await Promise.all(patch.map(([path]) => tx.get(sk.bufferSize(path))));
  const before: BufferSizes = new Map();
  let delta = 0;
  for (let i = 0; i < patch.length; i++) {
    const [path, value] = patch[i]!;
    const old = olds[i];
    if (old !== undefined) before.set(path, decodeCounter(old));
    delta += (value?.length ?? 0) - (before.get(path) ?? 0);
  }
  if (maxBytes !== undefined) {
    const total = decodeCounter(await tx.get(sk.bufferBytes)) + delta;
    if (total > maxBytes) {
      throw new PayloadTooLargeError(
        `Unsaved buffers would hold ${sizeText(total)}; a session holds at most ${sizeText(maxBytes)}. Save some files first.`,
      );
    }
  }
  for (const [path, value] of patch) {
    if (value === null) tx.clear(sk.bufferSize(path));
    else tx.set(sk.bufferSize(path), encodeCounter(value.length));
  }
  if (delta !== 0) tx.add(sk.bufferBytes, delta);
  return before;
}

/**
 * How many recent saves the rev record names ([saveId, rev]): a save retried after
 * commit_unknown_result finds itself while fewer saves than this landed in between (two
 * tabs autosaving twice a second make eight in two seconds). They live in the rev record,
 * which every save rewrites anyway (≈ 30 B each): a mark in a key of its own per save cost
 * autosaves 30–50% of their rate, for the page it dirtied besides.
 */
const SAVE_IDS = 16;

/** (t,"ws_forking",id): a fork whose rows are still being copied. */
interface ForkingRecord {
  sourceId: string;
  createdAt: string;
}

/** Rows per transaction of a fork's copy: at most ≈ 5.8 MB of 90 KB chunks. */
const FORK_BATCH = 64;

function isTooLarge(err: unknown): boolean {
  return err instanceof StoreError && err.code === FDB_ERROR.transaction_too_large;
}

/**
 * The copy's key for a source row, or undefined for rows a copy does not take: its meta
 * and rev (the copy gets its own).
 */
function forkKeyMapper(
  keys: TenantKeys,
  sourceId: string,
  id: string,
): (key: Bytes) => Bytes | undefined {
  const src = keys.ws(sourceId);
  const from = src.prefix.length;
  const to = keys.wsPrefix(id);
  return (key) => {
    if (key.equals(src.meta) || key.equals(src.rev)) return undefined;
    return Buffer.concat([to, key.subarray(from)]);
  };
}

/** The checks a fork makes before copying and again when it finishes. */
async function checkForkable(
  tx: Transaction,
  keys: TenantKeys,
  sourceId: string,
  ownerId: string | undefined,
): Promise<StoredWorkspaceMeta> {
  const source = await readWorkspaceMeta(tx, keys, sourceId);
  if (!source) throw new NotFoundError("workspace session", sourceId);
  const userId = ownerId ?? source.userId;
  const tenant = await requireActiveTenant(tx, keys.tenantId);
  if (!(await readMember(tx, keys.tenantId, userId))) {
    throw new NotFoundError("membership", `${keys.tenantId}/${userId}`);
  }
  await checkWorkspaceLimit(tx, keys, tenant.settings.maxWorkspaces);
  return source;
}

/**
 * The fork's last transaction: the copy made equal to the source as it is now (only rows
 * that differ are written), then its meta and index entries, and the pending entry gone.
 */
async function finishFork(
  tx: Transaction,
  keys: TenantKeys,
  sourceId: string,
  id: string,
  input: ForkWorkspaceInput,
  now: string,
): Promise<WorkspaceSession> {
  const existing = await readWorkspaceMeta(tx, keys, id);
  if (existing?.createdAt === now) return (await readSession(tx, keys, id))!;
  const pending = await getJson<ForkingRecord>(tx, keys.wsForking(id));
  if (pending?.createdAt !== now) throw new NotFoundError("workspace fork", id);
  const source = await checkForkable(tx, keys, sourceId, input.userId);
  const src = keys.wsRange(sourceId);
  const dst = keys.wsRange(id);
  const [rows, copied] = await Promise.all([
    tx.getRange(src.begin, src.end),
    tx.getRange(dst.begin, dst.end),
  ]);
  const have = new Map<string, Bytes>();
  for (const row of copied) have.set(row.key.toString("latin1"), row.value);
  const copy = forkKeyMapper(keys, sourceId, id);
  let hasTotal = false;
  for (const row of rows) {
    const key = copy(row.key);
    if (!key) continue;
    if (row.key.equals(keys.ws(sourceId).bufferBytes)) hasTotal = true;
    const k = key.toString("latin1");
    const old = have.get(k);
    have.delete(k);
    if (!old?.equals(row.value)) tx.set(key, row.value);
  }
  // Rows the source no longer has.
  for (const k of have.keys()) tx.clear(Buffer.from(k, "latin1"));
  const meta: StoredWorkspaceMeta = {
    id,
    tenantId: keys.tenantId,
    userId: input.userId ?? source.userId,
    name: input.name,
    workspacePath: input.workspacePath ?? source.workspacePath,
    tags: [...source.tags],
    parentSessionId: sourceId,
    rev: 0,
    createdAt: now,
    updatedAt: now,
    lastActiveAt: now,
    chunks: { ...source.chunks },
    saves: [],
  };
  writeWorkspaceRecords(tx, keys, meta);
  writeWorkspaceIndexes(tx, keys, meta);
  tx.clear(keys.wsForking(id));
  // The sizes are copied with the rest; a source written before the per-path sizes has
  // none, and the copy gets them.
  if (!hasTotal) await convertBufferSizes(tx, keys, keys.ws(id));
  return (await readSession(tx, keys, id))!;
}

/** No buffer held before: a new session, or a save that patches none. */
const NO_BUFFERS: ReadonlyMap<string, number> = new Map();

/** Puts chunk `index` of `name` in its place. */
function placeChunk(map: Map<string, Bytes[]>, name: string, index: number, value: Bytes): void {
  const list = map.get(name);
  if (list) list[index] = value;
  else map.set(name, Object.assign([], { [index]: value }));
}

/**
 * Chunks 0..count-1 of a value joined (undefined for count 0). Stray chunks beyond count
 * are left out; a missing one means the session is damaged, which no reader should mask.
 */
function joinChunks(
  sessionId: string,
  name: string,
  list: Bytes[] | undefined,
  count: number,
): Bytes | undefined {
  if (count === 0) return undefined;
  const pieces = (list ?? []).slice(0, count);
  for (let i = 0; i < count; i++) {
    if (pieces[i] === undefined) {
      throw new Error(`workspace session ${sessionId}: chunk ${i} of ${name} is missing`);
    }
  }
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
}

/**
 * Reassembles a whole session from the rows of its (t,"ws",sessionId) range, reading only
 * the chunks its records account for: a part's count is in the rev record, a buffer's
 * follows from its size. A stray chunk, or a buffer with no size, is left out
 * (checkConsistency reports both).
 */
function assemble(keys: TenantKeys, rows: KeyValue[]): WorkspaceSession | undefined {
  let meta: WorkspaceMetaRecord | undefined;
  let head: RevState | undefined;
  const parts = new Map<string, Bytes[]>();
  const buffers = new Map<string, Bytes[]>();
  const sizes: BufferSizes = new Map();
  const oldRecord: Bytes[] = [];
  let hasTotal = false;
  for (const row of rows) {
    const items = keys.wsSpace.unpack(row.key);
    const part = items[1] as string;
    if (part === WS_PART.meta) meta = decodeJson<WorkspaceMetaRecord>(row.value);
    else if (part === WS_PART.rev) head = decodeRev(row.value);
    else if (part === WS_PART.buffer) {
      placeChunk(buffers, items[2] as string, items[3] as number, row.value);
    } else if (part === WS_PART.bufferSize) sizes.set(items[2] as string, decodeCounter(row.value));
    else if (part === WS_PART.bufferBytes) hasTotal = true;
    else if (part === WS_PART.bufferSizes) oldRecord.push(row.value);
    else if (typeof items[2] === "number") placeChunk(parts, part, items[2], row.value);
  }
  if (!meta || !head) return undefined;
  const sid = meta.id;
  const counts = head.chunks;
  const json = <T>(part: ChunkedPart, fallback: () => T): T => {
    const value = joinChunks(sid, part, parts.get(part), counts[part]);
    return value ? decodeJson<T>(value) : fallback();
  };
  const terminal = json<TerminalState>("terminal", defaultTerminalState);
  const scrollback = joinChunks(sid, "scrollback", parts.get("scrollback"), counts.scrollback);
  if (scrollback) terminal.scrollback = scrollback.toString("utf8");
  // Older sessions: sizes in one JSON record, or before it none (every chunk counts).
  const known = hasTotal ? sizes : oldRecord.length > 0 ? decodeBufferSizes(oldRecord) : undefined;
  const bufferTexts: Buffers = {};
  for (const [path, list] of buffers) {
    const size = known?.get(path);
    if (known && size === undefined) continue;
    const count = size === undefined ? list.length : chunkCount(size);
    bufferTexts[path] = joinChunks(sid, path, list, count)!.toString("utf8");
  }
  return {
    ...toMeta(combineMeta(meta, head)),
    editor: json("editor", defaultEditorState),
    terminal,
    debug: json("debug", defaultDebugState),
    memory: json("memory", defaultMemoryState),
    buffers: bufferTexts,
  };
}

async function readSession(
  tx: Transaction,
  keys: TenantKeys,
  sessionId: string,
): Promise<WorkspaceSession | undefined> {
  const r = keys.wsRange(sessionId);
  return assemble(keys, await tx.getRange(r.begin, r.end));
}

/** Plan limit: counts the tenant's sessions up to maxWorkspaces, no further. */
function checkWorkspaceLimit(tx: Transaction, keys: TenantKeys, max: number | null) {
  return checkPlanLimit(tx, "maxWorkspaces", keys.wsByUserSpace.range(), max);
}

function emptyChunks(): PartChunks {
  return { editor: 0, terminal: 0, debug: 0, memory: 0, scrollback: 0 };
}

export class WorkspaceSessionRepository {
  constructor(private readonly store: Store) {}

  /**
   * Creates a session (missing parts get their defaults). The owner must be a member of
   * the active tenant; the plan's maxWorkspaces is enforced (LimitError).
   */
  async create(input: CreateWorkspaceSessionInput): Promise<WorkspaceSession> {
    const now = (input.now ?? new Date()).toISOString();
    const id = input.id ?? newId();
    const state = encodeState({
      editor: input.editor ?? defaultEditorState(),
      terminal: input.terminal ?? defaultTerminalState(),
      debug: input.debug ?? defaultDebugState(),
      memory: input.memory ?? defaultMemoryState(),
      buffers: input.buffers ?? {},
    });
    const tags = normalizeTags(input.tags ?? []);
    const keys = tenantKeys(input.tenantId);
    return transact(this.store, async (tx) => {
      const existing = await readWorkspaceMeta(tx, keys, id);
      if (existing) {
        if (existing.createdAt === now && existing.userId === input.userId) {
          return (await readSession(tx, keys, id))!;
        }
        throw new ConflictError("already_exists", `workspace session ${id} already exists`);
      }
      const tenant = await requireActiveTenant(tx, input.tenantId);
      if (!(await readMember(tx, input.tenantId, input.userId))) {
        throw new NotFoundError("membership", `${input.tenantId}/${input.userId}`);
      }
      const parent = input.parentSessionId ?? null;
      if (parent !== null && !(await readWorkspaceMeta(tx, keys, parent))) {
        throw new NotFoundError("workspace session", parent);
      }
      await checkWorkspaceLimit(tx, keys, tenant.settings.maxWorkspaces);
      const meta: StoredWorkspaceMeta = {
        id,
        tenantId: input.tenantId,
        userId: input.userId,
        name: input.name,
        workspacePath: input.workspacePath,
        tags,
        parentSessionId: parent,
        rev: 0,
        createdAt: now,
        updatedAt: now,
        lastActiveAt: now,
        chunks: emptyChunks(),
        saves: [],
      };
      writeState(tx, keys, id, state, meta.chunks, NO_BUFFERS);
      const sizes: BufferSizes = new Map();
      for (const [path, value] of state.buffers) if (value) sizes.set(path, value.length);
      writeBufferSizes(tx, keys.ws(id), sizes);
      writeWorkspaceRecords(tx, keys, meta);
      writeWorkspaceIndexes(tx, keys, meta);
      return (await readSession(tx, keys, id))!;
    });
  }

  /** The whole session — meta, editor, terminal, debug, memory, buffers — or null. */
  async getById(tenantId: string, sessionId: string): Promise<WorkspaceSession | null> {
    const keys = tenantKeys(tenantId);
    return this.store.transact(async (tx) => (await readSession(tx, keys, sessionId)) ?? null);
  }

  async getMeta(tenantId: string, sessionId: string): Promise<WorkspaceSessionMeta | null> {
    const keys = tenantKeys(tenantId);
    return this.store.transact(async (tx) => {
      const m = await readWorkspaceMeta(tx, keys, sessionId);
      return m ? toMeta(m) : null;
    });
  }

  /** The user's sessions, most recently active first; O(limit) whatever their number. */
  async listRecentByUser(
    tenantId: string,
    userId: string,
    req?: PageRequest,
  ): Promise<Page<WorkspaceSessionMeta>> {
    const keys = tenantKeys(tenantId);
    return this.store.transact((tx) =>
      pageOfIndex(tx, keys, keys.wsRecentSpace, [userId], req, { reverse: true, defaultLimit: 20 }),
    );
  }

  /**
   * The user's sessions carrying any of `tags`, most recently active first. Reads at
   * most `limit` entries per tag from ws_by_tag_recent: O(tags × limit).
   */
  async listRelated(
    tenantId: string,
    userId: string,
    tags: string[],
    opts?: { limit?: number; excludeId?: string },
  ): Promise<WorkspaceSessionMeta[]> {
    const limit = clampLimit(opts?.limit, 20);
    const exclude = opts?.excludeId;
    const keys = tenantKeys(tenantId);
    const wanted = normalizeTags(tags.slice(0, MAX_TAGS));
    return this.store.transact(async (tx) => {
      const found = new Map<string, number>();
      const perTag = limit + (exclude ? 1 : 0);
      const pages = await Promise.all(
        wanted.map((tag) => {
          const r = keys.wsByTagRecentSpace.range(userId, tag);
          return tx.getRange(r.begin, r.end, { limit: perTag, reverse: true });
        }),
      );
      for (const page of pages) {
        for (const row of page) {
          const [, , ms, sid] = keys.wsByTagRecentSpace.unpack(row.key) as [
            string,
            string,
            number,
            string,
          ];
          if (sid !== exclude && (found.get(sid) ?? -1) < ms) found.set(sid, ms);
        }
      }
      const ids = [...found.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
        .slice(0, limit)
        .map(([sid]) => sid);
      return readMetas(tx, keys, ids);
    });
  }

  /** Sessions forked from (or created under) `parentId`, in id order. */
  async listChildren(
    tenantId: string,
    parentId: string,
    req?: PageRequest,
  ): Promise<Page<WorkspaceSessionMeta>> {
    const keys = tenantKeys(tenantId);
    return this.store.transact((tx) =>
      pageOfIndex(tx, keys, keys.wsChildrenSpace, [parentId], req),
    );
  }

  /** Sessions opened on one workspace folder, in id order. */
  async listByPath(
    tenantId: string,
    workspacePath: string,
    req?: PageRequest,
  ): Promise<Page<WorkspaceSessionMeta>> {
    const keys = tenantKeys(tenantId);
    return this.store.transact((tx) =>
      pageOfIndex(tx, keys, keys.wsByPathSpace, [workspacePath], req),
    );
  }

  /**
   * An autosave. Writes only the parts given (plus meta with the new rev, and the moved
   * recency entries): moving a cursor rewrites the editor part, never the buffers. A
   * stale baseRev throws ConflictError("stale_rev") carrying currentRev. A retry of a save
   * that already committed returns that save's result instead of a conflict. A save that
   * changes buffers updates the size keys of those buffers and the session's total (not
   * the other buffers' sizes or chunks) and, with `maxBufferBytes`, refuses a total above it (PayloadTooLargeError).
   */
  async save(
    tenantId: string,
    sessionId: string,
    input: SaveWorkspaceInput,
    opts?: {
      now?: Date;
      /** Only this user's session may be saved (NotOwnerError otherwise), checked in the save. */
      ownerId?: string;
      /** The UTF-8 bytes of unsaved buffer text the session may hold after the save. */
      maxBufferBytes?: number;
      /**
       * Runs first inside the save's transaction; what it throws refuses the save. The api
       * checks its caller's auth session here: one transaction instead of two per autosave,
       * and the check holds for exactly the state the save writes against.
       */
      check?: (tx: Transaction) => Promise<unknown>;
    },
  ): Promise<SaveResult> {
    const nowDate = opts?.now ?? new Date();
    const savedAt = isoOf(nowDate);
    const nowMs = nowDate.getTime();
    const saveId = newId(nowMs);
    const state = encodeState(input);
    const keys = tenantKeys(tenantId);
    const sk = keys.ws(sessionId);
    const ownerId = opts?.ownerId;
    const maxBufferBytes = opts?.maxBufferBytes;
    const check = opts?.check;
    return transact(this.store, async (tx) => {
      if (check) await check(tx);
      // The small rev record is always read; the meta only for an owner check or once a
      // second for the activity indexes, and then once.
      const raw = await tx.get(sk.rev);
      if (!raw) throw new NotFoundError("workspace session", sessionId);
      let meta: Readonly<WorkspaceMetaRecord> | undefined;
      const readMeta = async () => {
        meta ??= await getJsonShared<WorkspaceMetaRecord>(tx, sk.meta);
        if (!meta) throw new NotFoundError("workspace session", sessionId);
        return meta;
      };
      if (ownerId !== undefined) {
        if ((await readMeta()).userId !== ownerId) {
          throw new NotOwnerError("Only the owner of this workspace session can change it.");
        }
      }
      const head = decodeRev(raw);
      for (let i = 0; i < head.saves.length; i++) {
        const save = head.saves[i]!;
        if (save[0] === saveId) return { rev: save[1], savedAt };
      }
      if (head.rev !== input.baseRev) {
        throw new ConflictError(
          "stale_rev",
          `workspace session ${sessionId} is at rev ${head.rev}, not ${input.baseRev}`,
          { currentRev: head.rev },
        );
      }
      // Checked (and possibly refused) before anything of the save is written.
      const oldBuffers =
        state.buffers.length > 0
          ? await updateBufferSizes(tx, keys, sk, state.buffers, maxBufferBytes)
          : NO_BUFFERS;
      writeState(tx, keys, sessionId, state, head.chunks, oldBuffers);
      const oldMs = head.lastActiveMs;
      if (nowMs - oldMs >= ACTIVITY_GRANULARITY_MS) {
        const { userId, tags } = await readMeta();
        tx.clear(keys.wsRecent(userId, oldMs, sessionId));
        tx.set(keys.wsRecent(userId, nowMs, sessionId), EMPTY_VALUE);
        for (const tag of tags) {
          tx.clear(keys.wsByTagRecent(userId, tag, oldMs, sessionId));
          tx.set(keys.wsByTagRecent(userId, tag, nowMs, sessionId), EMPTY_VALUE);
        }
        head.lastActiveMs = nowMs;
      }
      head.rev += 1;
      head.updatedAtMs = nowMs;
      head.saves = [[saveId, head.rev], ...head.saves.slice(0, SAVE_IDS - 1)];
      tx.set(sk.rev, encodeRev(head));
      return { rev: head.rev, savedAt };
    });
  }

  /**
   * A copy of every part under a new id, with parentSessionId = the source. A session can
   * hold more than one transaction may write (32 MiB of buffers), so the copy is made in
   * bounded transactions: the rows first, in batches, while the copy has no meta and is
   * listed only under (t,"ws_forking",id), invisible to every reader; then one last
   * transaction brings what the source changed meanwhile up to date (writing only what
   * differs) and makes the copy a session, with its meta and index entries. The same call
   * retried resumes an interrupted copy; removeUnfinishedForks removes abandoned ones.
   */
  async fork(
    tenantId: string,
    sourceId: string,
    input: ForkWorkspaceInput,
  ): Promise<WorkspaceSession> {
    const now = (input.now ?? new Date()).toISOString();
    const id = input.id ?? newId();
    const keys = tenantKeys(tenantId);
    const done = await transact(this.store, async (tx) => {
      const existing = await readWorkspaceMeta(tx, keys, id);
      if (existing) {
        if (existing.createdAt === now && existing.parentSessionId === sourceId) {
          return (await readSession(tx, keys, id))!;
        }
        throw new ConflictError("already_exists", `workspace session ${id} already exists`);
      }
      const pending = await getJson<ForkingRecord>(tx, keys.wsForking(id));
      if (pending && (pending.sourceId !== sourceId || pending.createdAt !== now)) {
        throw new ConflictError("already_exists", `workspace session ${id} already exists`);
      }
      await checkForkable(tx, keys, sourceId, input.userId);
      if (!pending) {
        tx.set(
          keys.wsForking(id),
          encodeJson({ sourceId, createdAt: now } satisfies ForkingRecord),
        );
      }
      return undefined;
    });
    if (done) return done;
    try {
      for (let attempt = 1; ; attempt++) {
        await this.copyForkRows(keys, sourceId, id, now);
        try {
          return await this.store.transact((tx) => finishFork(tx, keys, sourceId, id, input, now));
        } catch (err) {
          // The source changed more during the copy than one transaction may write: copy
          // again, then finish.
          if (!isTooLarge(err) || attempt >= 3) throw err;
        }
      }
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof LimitError) {
        await this.removeFork(keys, id);
      }
      throw isTooLarge(err) ? new PayloadTooLargeError((err as Error).message) : err;
    }
  }

  /** Copies the source's rows onto the copy, FORK_BATCH rows per transaction. */
  private async copyForkRows(
    keys: TenantKeys,
    sourceId: string,
    id: string,
    now: string,
  ): Promise<void> {
    const src = keys.wsRange(sourceId);
    let from = src.begin;
    for (;;) {
      const last = await transact(this.store, async (tx) => {
        const pending = await getJson<ForkingRecord>(tx, keys.wsForking(id));
        if (pending?.createdAt !== now) throw new NotFoundError("workspace fork", id);
        const rows = await tx.getRange(from, src.end, { limit: FORK_BATCH });
        const copy = forkKeyMapper(keys, sourceId, id);
        for (const row of rows) {
          const key = copy(row.key);
          if (key) tx.set(key, row.value);
        }
        return rows.length === FORK_BATCH ? rows[rows.length - 1]!.key : undefined;
      });
      if (!last) return;
      from = keyAfter(last);
    }
  }

  /** Removes a fork's copied rows and its pending entry (a no-op once it is a session). */
  private async removeFork(keys: TenantKeys, id: string): Promise<void> {
    await this.store.transact(async (tx) => {
      if (!(await tx.get(keys.wsForking(id)))) return;
      if (await tx.get(keys.ws(id).meta)) return;
      const r = keys.wsRange(id);
      tx.clearRange(r.begin, r.end);
      tx.clear(keys.wsForking(id));
    });
  }

  /**
   * Removes the copies of forks started before `startedBefore` and never finished (the
   * process stopped half-way): rows and pending entry, one fork per transaction. Returns
   * how many it removed.
   */
  async removeUnfinishedForks(tenantId: string, startedBefore: Date): Promise<number> {
    const keys = tenantKeys(tenantId);
    const cutoff = startedBefore.toISOString();
    const r = keys.wsForkingSpace.range();
    const rows = await this.store.transact((tx) => tx.getRange(r.begin, r.end));
    let n = 0;
    for (const row of rows) {
      if (decodeJson<ForkingRecord>(row.value).createdAt >= cutoff) continue;
      await this.removeFork(keys, keys.wsForkingSpace.unpack(row.key)[0] as string);
      n++;
    }
    return n;
  }

  /** Renames and/or retags; the tag index entries move in the same transaction. */
  async updateMeta(
    tenantId: string,
    sessionId: string,
    patch: UpdateWorkspaceMetaInput,
  ): Promise<WorkspaceSessionMeta> {
    const now = (patch.now ?? new Date()).toISOString();
    const tags = patch.tags ? normalizeTags(patch.tags) : undefined;
    const keys = tenantKeys(tenantId);
    return transact(this.store, async (tx) => {
      const meta = await readWorkspaceMeta(tx, keys, sessionId);
      if (!meta) throw new NotFoundError("workspace session", sessionId);
      const next: StoredWorkspaceMeta = {
        ...meta,
        name: patch.name ?? meta.name,
        tags: tags ?? meta.tags,
        updatedAt: now,
      };
      if (tags) {
        clearWorkspaceIndexes(tx, keys, meta);
        writeWorkspaceIndexes(tx, keys, next);
      }
      writeWorkspaceRecords(tx, keys, next);
      return toMeta(next);
    });
  }

  /**
   * Every session of the tenant, by owner then id, with the bytes it stores: what an Admin
   * sees, never its contents. The size reads the session's rows except its buffers (whose
   * bytes the session's buffer total holds), so a page costs O(limit), not O(unsaved text).
   */
  async listInTenant(
    tenantId: string,
    req?: PageRequest,
  ): Promise<Page<WorkspaceSessionMeta & { sizeBytes: number }>> {
    const keys = tenantKeys(tenantId);
    return this.store.transact(async (tx) => {
      const page = await pageOfIndex(tx, keys, keys.wsByUserSpace, [], req, { defaultLimit: 50 });
      const items: Array<WorkspaceSessionMeta & { sizeBytes: number }> = [];
      for (const meta of page.items) {
        const sk = keys.ws(meta.id);
        const all = keys.wsRange(meta.id);
        let sizeBytes = 0;
        for (const row of await tx.getRange(sk.buffersRange.end, all.end)) {
          sizeBytes += row.key.length + row.value.length;
        }
        sizeBytes += await bufferBytesOf(tx, keys, sk);
        items.push({ ...meta, sizeBytes });
      }
      return { items, nextCursor: page.nextCursor };
    });
  }

  /** Removes the session's record, parts, chunks and every index entry (no-op if absent). */
  async delete(tenantId: string, sessionId: string): Promise<void> {
    const keys = tenantKeys(tenantId);
    await transact(this.store, async (tx) => {
      const meta = await readWorkspaceMeta(tx, keys, sessionId);
      if (meta) await deleteWorkspace(tx, keys, meta);
    });
  }
}

/**
 * One page of an index whose keys end in a session id, under `prefix` in `space`, with
 * each listed session's meta.
 */
async function pageOfIndex(
  tx: Transaction,
  keys: TenantKeys,
  space: KeyPrefix,
  prefix: KeyPart[],
  req: PageRequest | undefined,
  opts?: { reverse?: boolean; defaultLimit?: number },
): Promise<Page<WorkspaceSessionMeta>> {
  const { rows, nextCursor } = await scanPage(tx, space.key(...prefix), req, opts);
  const ids = rows.map((r) => space.unpack(r.key).at(-1) as string);
  return { items: await readMetas(tx, keys, ids), nextCursor };
}

async function readMetas(
  tx: Transaction,
  keys: TenantKeys,
  ids: string[],
): Promise<WorkspaceSessionMeta[]> {
  // Read together: on a cluster each read is a round trip.
  const metas = await Promise.all(ids.map((id) => readWorkspaceMeta(tx, keys, id)));
  const out: WorkspaceSessionMeta[] = [];
  for (const m of metas) if (m) out.push(toMeta(m));
  return out;
}

function normalizeTags(tags: string[]): string[] {
  const out = uniqueStrings(tags.map((t) => t.trim()).filter((t) => t.length > 0));
  if (out.length > MAX_TAGS) throw new ValidationError(`at most ${MAX_TAGS} tags`);
  return out;
}
