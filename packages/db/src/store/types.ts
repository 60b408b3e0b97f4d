/**
 * The storage port: a FoundationDB-shaped ordered key-value store.
 *
 * Repositories are written against these interfaces only. Keys and values are raw
 * bytes; keys are FoundationDB tuple-encoded (see ../keyspace) so every backend stores
 * identical bytes in identical order.
 */

export type Bytes = Buffer;

export interface KeyValue {
  key: Bytes;
  value: Bytes;
}

export interface RangeOptions {
  /** At most this many pairs (0 or undefined: no limit). */
  limit?: number;
  /** Walk the range from the end: largest key first. */
  reverse?: boolean;
}

/**
 * One transaction's view of the store. Reads see the transaction's own writes. A Buffer
 * passed to set() or returned by get() belongs to the store from then on: read it, never
 * modify it (backends may keep it to answer later reads).
 */
export interface Transaction {
  get(key: Bytes): Promise<Bytes | undefined>;
  /** Pairs with begin <= key < end, ordered by key bytes. */
  getRange(begin: Bytes, end: Bytes, opts?: RangeOptions): Promise<KeyValue[]>;
  set(key: Bytes, value: Bytes): void;
  clear(key: Bytes): void;
  /** Clears every key with begin <= key < end. */
  clearRange(begin: Bytes, end: Bytes): void;
  /**
   * Adds `delta` to the counter at `key` (absent: 0), FoundationDB's atomic ADD: the value
   * is a 64-bit little-endian two's-complement integer (see decodeCounter). On a cluster,
   * adds to one key from concurrent transactions do not conflict, unless one also reads it.
   */
  add(key: Bytes, delta: number): void;
}

export interface TransactOptions {
  /** Attempts before the last retryable error is thrown (default 50). */
  maxAttempts?: number;
}

export type StoreKind = "sqlite" | "foundationdb";

export interface Store {
  readonly kind: StoreKind;
  /**
   * Runs fn in a transaction and commits it, retrying retryable errors with jittered
   * backoff. fn may run more than once: it must be idempotent and free of side effects
   * (make ids and timestamps outside, do I/O after commit).
   */
  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T>;
  close(): Promise<void>;
}

/** FoundationDB's limits, enforced on every backend. */
export const LIMITS = {
  keyBytes: 10_000,
  valueBytes: 100_000,
  transactionBytes: 10_000_000,
  transactionMs: 5_000,
} as const;
