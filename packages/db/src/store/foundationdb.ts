import type * as Fdb from "foundationdb";
import { encodeCounter } from "./counter";
import { FDB_ERROR, StoreError } from "./errors";
import { WriteBudget } from "./limits";
import { withRetry } from "./retry";
import type { Bytes, KeyValue, RangeOptions, Store, Transaction, TransactOptions } from "./types";

export interface FoundationDbStoreOptions {
  /** Path of the cluster file (FDB_CLUSTER_FILE). */
  clusterFile: string;
  /** Directory-layer path under which every Hearth key lives (default ["hearth"]). */
  directory?: string[];
  /** FoundationDB API version (default 720). */
  apiVersion?: number;
}

type RawDatabase = ReturnType<typeof Fdb.open>;
type RawTransaction = ReturnType<RawDatabase["rawCreateTransaction"]>;

let loaded: typeof Fdb | undefined;

/**
 * The binding needs libfdb_c, which only FoundationDB hosts have, so it is loaded on
 * first use rather than at import: the embedded store never touches it.
 */
async function loadBinding(apiVersion: number): Promise<typeof Fdb> {
  if (loaded) return loaded;
  const mod = (await import("foundationdb")) as typeof Fdb & { default?: typeof Fdb };
  const fdb = mod.default ?? mod;
  fdb.setAPIVersion(apiVersion);
  loaded = fdb;
  return fdb;
}

/** FoundationDB cluster backend. All keys live under one directory-layer prefix. */
export class FoundationDbStore implements Store {
  readonly kind = "foundationdb" as const;

  constructor(
    private readonly db: RawDatabase,
    private readonly prefix: Buffer,
  ) {}

  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T> {
    return withRetry(() => this.transactOnce(fn), opts);
  }

  /** One attempt: runs fn and commits, without retrying. */
  async transactOnce<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const tn = this.db.rawCreateTransaction();
    try {
      const result = await fn(new FoundationDbTransaction(tn, this.prefix));
      await tn.rawCommit();
      return result;
    } catch (err) {
      throw await classify(tn, err);
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

class FoundationDbTransaction implements Transaction {
  private readonly budget = new WriteBudget();

  constructor(
    private readonly tn: RawTransaction,
    private readonly prefix: Buffer,
  ) {}

  private k(key: Bytes): Buffer {
    return Buffer.concat([this.prefix, key]);
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    this.budget.checkKey(key);
    return this.tn.get(this.k(key));
  }

  async getRange(begin: Bytes, end: Bytes, opts?: RangeOptions): Promise<KeyValue[]> {
    if (Buffer.compare(begin, end) >= 0) return [];
    const rows = await this.tn.getRangeAll(this.k(begin), this.k(end), {
      limit: opts?.limit && opts.limit > 0 ? opts.limit : undefined,
      reverse: opts?.reverse ?? false,
    });
    const n = this.prefix.length;
    return rows.map(([key, value]) => ({ key: key.subarray(n), value }));
  }

  set(key: Bytes, value: Bytes): void {
    this.budget.onSet(key, value);
    this.tn.set(this.k(key), value);
  }

  clear(key: Bytes): void {
    this.budget.onClear(key);
    this.tn.clear(this.k(key));
  }

  add(key: Bytes, delta: number): void {
    const operand = encodeCounter(delta);
    this.budget.onSet(key, operand);
    this.tn.add(this.k(key), operand);
  }

  clearRange(begin: Bytes, end: Bytes): void {
    this.budget.onClearRange(begin, end);
    if (Buffer.compare(begin, end) < 0) this.tn.clearRange(this.k(begin), this.k(end));
  }
}

const BY_CODE = new Map<number, keyof typeof FDB_ERROR>(
  Object.entries(FDB_ERROR).map(([name, code]) => [code, name as keyof typeof FDB_ERROR]),
);

/**
 * What transact() should see for an error: the client library decides which of its errors
 * are worth another attempt (on_error also applies its backoff); those we have no name
 * for are reported as not_committed so the retry loop runs them again.
 */
async function classify(tn: RawTransaction, err: unknown): Promise<unknown> {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "number" || !(err instanceof Error) || err.name === "StoreError") {
    tn.rawCancel();
    return err;
  }
  try {
    await tn.rawOnError(code);
  } catch {
    return mapFdbError(err);
  }
  return BY_CODE.has(code)
    ? mapFdbError(err)
    : new StoreError("not_committed", `FoundationDB error ${code}, retryable: ${err.message}`);
}

function mapFdbError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const name = typeof code === "number" ? BY_CODE.get(code) : undefined;
  return name ? new StoreError(name, (err as Error).message) : err;
}

export async function openFoundationDbStore(
  opts: FoundationDbStoreOptions,
): Promise<FoundationDbStore> {
  const fdb = await loadBinding(opts.apiVersion ?? 720);
  const db = fdb.open(opts.clusterFile);
  const dir = await fdb.directory.createOrOpen(db, opts.directory ?? ["hearth"]);
  return new FoundationDbStore(db, dir.content.prefix);
}
