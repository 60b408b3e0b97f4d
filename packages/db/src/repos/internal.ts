/** Helpers shared by the repositories: value codec, transactions, paging, chunks. */
import { type KeyRange, keyAfter, rangeOf } from "../keyspace";
import type { PageRequest } from "../models/common";
import { FDB_ERROR, StoreError } from "../store/errors";
import type { Bytes, KeyValue, Store, Transaction } from "../store/types";
import { PayloadTooLargeError, ValidationError } from "./errors";

export const EMPTY_VALUE: Bytes = Buffer.alloc(0);

let lastIsoMs = Number.NaN;
let lastIso = "";

/** date.toISOString(), remembered for the last millisecond asked (autosaves share many). */
export function isoOf(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastIsoMs) {
    lastIso = date.toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

export function encodeJson(value: unknown): Bytes {
  return Buffer.from(JSON.stringify(value), "utf8");
}

export function decodeJson<T>(value: Bytes): T {
  return JSON.parse(value.toString("utf8")) as T;
}

/**
 * Decoded values by the Buffer they were decoded from. Stored values are never changed
 * (the port's Buffers are read-only) and a store's read cache hands out the same Buffer
 * for the same value, so the records every request reads again (auth sessions,
 * memberships, a workspace's meta) are decoded once while they stay cached.
 */
const decoded = new WeakMap<Bytes, unknown>();

/** decodeJson, shared and frozen: for readers that only look at the record. */
export function decodeJsonShared<T extends object>(value: Bytes): Readonly<T> {
  let v = decoded.get(value) as Readonly<T> | undefined;
  if (v === undefined) {
    v = Object.freeze(decodeJson<T>(value));
    decoded.set(value, v);
  }
  return v;
}

export async function getJsonShared<T extends object>(
  tx: Transaction,
  key: Bytes,
): Promise<Readonly<T> | undefined> {
  const v = await tx.get(key);
  return v === undefined ? undefined : decodeJsonShared<T>(v);
}

export async function getJson<T>(tx: Transaction, key: Bytes): Promise<T | undefined> {
  const v = await tx.get(key);
  return v === undefined ? undefined : decodeJson<T>(v);
}

const TOO_LARGE = new Set<number>([
  FDB_ERROR.transaction_too_large,
  FDB_ERROR.key_too_large,
  FDB_ERROR.value_too_large,
]);

/** store.transact, with the store's size refusals turned into a domain error. */
export function transact<T>(store: Store, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return store.transact(fn).catch((err: unknown) => {
    if (err instanceof StoreError && TOO_LARGE.has(err.code)) {
      throw new PayloadTooLargeError(err.message);
    }
    throw err;
  });
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 1000;

export function clampLimit(limit: number | undefined, fallback = DEFAULT_PAGE): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
}

/** Cursors are the last key's bytes after the listing's prefix, base64url: opaque to callers. */
function encodeCursor(suffix: Bytes): string {
  return suffix.toString("base64url");
}

function decodeCursor(cursor: string): Bytes {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) throw new ValidationError("invalid cursor");
  return Buffer.from(cursor, "base64url");
}

export interface ScanPage {
  rows: KeyValue[];
  nextCursor: string | null;
}

/**
 * One page of the keys under `prefix`, forward or reverse, resuming after `cursor`.
 * Costs O(limit) whatever the size of the range: one range read of limit + 1 pairs.
 */
export async function scanPage(
  tx: Transaction,
  prefix: Bytes,
  req: PageRequest | undefined,
  opts?: { reverse?: boolean; defaultLimit?: number },
): Promise<ScanPage> {
  const limit = clampLimit(req?.limit, opts?.defaultLimit);
  const reverse = opts?.reverse ?? false;
  const full: KeyRange = rangeOf(prefix);
  let { begin, end } = full;
  if (req?.cursor) {
    const at = Buffer.concat([prefix, decodeCursor(req.cursor)]);
    // Clamped to the listing's own range, so no cursor can reach other keys.
    if (reverse) {
      if (Buffer.compare(at, end) < 0) end = at;
    } else {
      const after = keyAfter(at);
      if (Buffer.compare(after, begin) > 0) begin = after;
    }
  }
  if (Buffer.compare(begin, end) >= 0) return { rows: [], nextCursor: null };
  const rows = await tx.getRange(begin, end, { limit: limit + 1, reverse });
  if (rows.length <= limit) return { rows, nextCursor: null };
  rows.length = limit;
  const last = rows[limit - 1]!.key;
  return { rows, nextCursor: encodeCursor(last.subarray(prefix.length)) };
}

/** Chunks stay well below FoundationDB's 100,000-byte value limit. */
export const CHUNK_BYTES = 90_000;

/** How many chunks splitChunks makes of a value of `bytes` bytes (an empty one is one). */
export function chunkCount(bytes: number): number {
  return bytes <= CHUNK_BYTES ? 1 : Math.ceil(bytes / CHUNK_BYTES);
}

/** Splits bytes into chunks; an empty value is one empty chunk, so it still exists. */
export function splitChunks(bytes: Bytes): Bytes[] {
  if (bytes.length <= CHUNK_BYTES) return [bytes];
  const out: Bytes[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
    out.push(bytes.subarray(at, at + CHUNK_BYTES));
  }
  return out;
}

export function dateMs(iso: string): number {
  return Date.parse(iso);
}

export function uniqueStrings(values: readonly string[]): string[] {
  return [...new Set(values)];
}
