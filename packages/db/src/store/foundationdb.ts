import type * as Fdb from "foundationdb";
import type { NativeModule } from "foundationdb/dist/lib/native";
import { encodeCounter } from "./counter";
import { FDB_ERROR, StoreError } from "./errors";
import { WriteBudget } from "./limits";
import type { Bytes, KeyValue, RangeOptions, Store, Transaction, TransactOptions } from "./types";

export interface FoundationDbStoreOptions {
  /** Path of the cluster file (FDB_CLUSTER_FILE). */
  clusterFile: string;
  /** Directory-layer path under which every Hearth key lives (default ["hearth"]). */
  directory?: string[];
  /** FoundationDB API version (default 720). */
  apiVersion?: number;
  /** close() removes the directory and everything in it (test runs on a shared cluster). */
  removeDirectoryOnClose?: boolean;
}

type RawDatabase = ReturnType<typeof Fdb.open>;
type RawTransaction = ReturnType<RawDatabase["rawCreateTransaction"]>;

/** The binding, and its native module for the client library's error predicates. */
interface Binding {
  fdb: typeof Fdb;
  native: NativeModule;
}

let loaded: Binding | undefined;

/**
 * The binding needs libfdb_c, which only FoundationDB hosts have, so it is loaded on
 * first use rather than at import: the embedded store never touches it.
 */
async function loadBinding(apiVersion: number): Promise<Binding> {
  if (loaded) return loaded;
  const mod = (await import("foundationdb")) as typeof Fdb & { default?: typeof Fdb };
  const fdb = mod.default ?? mod;
  const nat = (await import("foundationdb/dist/lib/native")) as {
    default: NativeModule & { default?: NativeModule };
  };
  fdb.setAPIVersion(apiVersion);
  loaded = { fdb, native: nat.default.default ?? nat.default };
  return loaded;
}

/** FoundationDB cluster backend. All keys live under one directory-layer prefix. */
export class FoundationDbStore implements Store {
  readonly kind = "foundationdb" as const;
  private closed = false;

  constructor(
    private readonly binding: Binding,
    private readonly db: RawDatabase,
    private readonly prefix: Buffer,
    private readonly removeOnClose?: string[],
  ) {
    openStores++;
  }

  /**
   * The binding's own retry loop, on one transaction: on an error the client library
   * decides through on_error whether it is worth another attempt, backs off (growing
   * each time) and resets the transaction, which keeps what FoundationDB needs across
   * attempts. What is finally thrown is classified by the library's error predicates.
   */
  async transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T> {
    const maxAttempts = opts?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const tn = this.db.rawCreateTransaction();
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await fn(new FoundationDbTransaction(tn, this.prefix));
        await tn.rawCommit();
        return result;
      } catch (err) {
        const code = codeOf(err);
        if (code === undefined || attempt >= maxAttempts) {
          tn.rawCancel();
          throw code === undefined ? err : classify(this.binding, code, err);
        }
        try {
          await tn.rawOnError(code);
        } catch {
          throw classify(this.binding, code, err);
        }
      }
    }
  }

  /** One attempt on a transaction of its own, without retrying (the fault wrapper). */
  async transactOnce<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const tn = this.db.rawCreateTransaction();
    try {
      const result = await fn(new FoundationDbTransaction(tn, this.prefix));
      await tn.rawCommit();
      return result;
    } catch (err) {
      tn.rawCancel();
      const code = codeOf(err);
      throw code === undefined ? err : classify(this.binding, code, err);
    }
  }

  /** Closes the database; the last store open in the process stops the network thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.removeOnClose) await this.binding.fdb.directory.remove(this.db, this.removeOnClose);
    this.db.close();
    if (--openStores === 0) this.binding.fdb.stopNetworkSync();
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

const DEFAULT_MAX_ATTEMPTS = 50;
let openStores = 0;

/**
 * The FoundationDB code of an error worth handing to on_error: the client library's own
 * errors, and a retryable StoreError the transaction function threw. Anything else (a
 * domain error, a size limit) ends the transaction as it is.
 */
function codeOf(err: unknown): number | undefined {
  if (err instanceof StoreError) return err.retryable ? err.code : undefined;
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === "number" ? code : undefined;
}

/**
 * What transact() reports for a FoundationDB error it gives up on: a code Hearth names
 * keeps its name; otherwise the library's predicates decide, so an error that may have
 * committed (cluster_version_changed, 1039, among others) reaches the callers' markers
 * as commit_unknown_result, and only one that surely did not is not_committed.
 */
function classify({ fdb, native }: Binding, code: number, err: unknown): unknown {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const name = BY_CODE.get(code);
  if (name) return new StoreError(name, message);
  if (native.errorPredicate(fdb.ErrorPredicate.MaybeCommitted, code)) {
    return new StoreError("commit_unknown_result", `FoundationDB error ${code}: ${message}`);
  }
  if (native.errorPredicate(fdb.ErrorPredicate.RetryableNotCommitted, code)) {
    return new StoreError("not_committed", `FoundationDB error ${code}: ${message}`);
  }
  return err;
}

export async function openFoundationDbStore(
  opts: FoundationDbStoreOptions,
): Promise<FoundationDbStore> {
  const binding = await loadBinding(opts.apiVersion ?? 720);
  const db = binding.fdb.open(opts.clusterFile);
  const path = opts.directory ?? ["hearth"];
  const dir = await binding.fdb.directory.createOrOpen(db, path);
  return new FoundationDbStore(
    binding,
    db,
    dir.content.prefix,
    opts.removeDirectoryOnClose ? path : undefined,
  );
}
