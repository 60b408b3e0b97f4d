import type Database from "better-sqlite3";
import { addToCounter } from "./counter";
import { StoreError, TransactionEndedError } from "./errors";
import { WriteBudget } from "./limits";
import type { ReadCache } from "./read-cache";
import { type Bytes, type KeyValue, LIMITS, type RangeOptions, type Transaction } from "./types";

type Row = { key: Bytes; value: Bytes };

/** The prepared statements a transaction runs. */
export interface KvStatements {
  get: Database.Statement<[Bytes], Bytes>;
  range: Database.Statement<[Bytes, Bytes, number], Row>;
  rangeReverse: Database.Statement<[Bytes, Bytes, number], Row>;
  set: Database.Statement<[Bytes, Bytes]>;
  clear: Database.Statement<[Bytes]>;
  clearRange: Database.Statement<[Bytes, Bytes]>;
}

export function prepareKvStatements(db: Database.Database): KvStatements {
  return {
    get: db.prepare<[Bytes], Bytes>("SELECT value FROM kv WHERE key = ?").pluck(),
    range: db.prepare<[Bytes, Bytes, number], Row>(
      "SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?",
    ),
    rangeReverse: db.prepare<[Bytes, Bytes, number], Row>(
      "SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key DESC LIMIT ?",
    ),
    set: db.prepare<[Bytes, Bytes]>("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)"),
    clear: db.prepare<[Bytes]>("DELETE FROM kv WHERE key = ?"),
    clearRange: db.prepare<[Bytes, Bytes]>("DELETE FROM kv WHERE key >= ? AND key < ?"),
  };
}

/**
 * What a SQLite error means to a caller: the write lock held elsewhere is FoundationDB's
 * retryable conflict; anything else (full disk, I/O error, no memory) is a storage failure
 * that another attempt would not cure.
 */
export function storeErrorOf(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT" || code === "SQLITE_LOCKED") {
    return new StoreError("not_committed", "the database is locked by another writer");
  }
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError("io_error", `SQLite ${String(code ?? "error")}: ${message}`);
}

/**
 * A transaction's operations run directly in the group's SQLite transaction, inside its
 * own savepoint: reads see its writes. Its age is checked on every operation, as
 * FoundationDB checks a read version's; a SQLite failure fails it for good, even if its
 * function catches the error and carries on.
 */
export class SqliteTransaction implements Transaction {
  private ended = false;
  private readonly startedAt = performance.now();
  /** Whether anything was written (a failure then has to be rolled back). */
  wrote = false;
  /** Why the transaction cannot commit, once something has failed under it. */
  failure: StoreError | undefined;
  /** Keys this transaction put in the read cache since its first write. */
  private readonly cached: string[] = [];
  private readonly budget = new WriteBudget();

  /**
   * `beforeFirstWrite` runs once, before the transaction's first write: the store opens
   * its savepoint there, so a transaction that only reads costs no savepoint.
   */
  constructor(
    private readonly stmt: KvStatements,
    private readonly cache: ReadCache,
    private readonly beforeFirstWrite?: () => void,
    private readonly injectFault?: (at: "statement") => Error | undefined,
  ) {}

  /** Its function has returned: one last age check before it may commit. */
  finish(): void {
    this.check("commit");
  }

  end(): void {
    this.ended = true;
  }

  /** It was rolled back to its savepoint: what it left in the cache goes too. */
  forgetCached(): void {
    for (const k of this.cached) this.cache.delete(k);
  }

  private check(operation: string): void {
    if (this.ended) throw new TransactionEndedError(operation);
    if (this.failure) throw this.failure;
    if (performance.now() - this.startedAt > LIMITS.transactionMs) {
      throw this.fail(new StoreError("transaction_too_old", "transaction ran longer than 5 s"));
    }
  }

  private fail(err: unknown): StoreError {
    this.failure ??= storeErrorOf(err);
    return this.failure;
  }

  /** Runs one statement; a SQLite error fails the transaction. */
  private sql<T>(run: () => T): T {
    try {
      const injected = this.injectFault?.("statement");
      if (injected) throw injected;
      return run();
    } catch (err) {
      throw this.fail(err);
    }
  }

  private willWrite(): void {
    if (this.wrote) return;
    if (this.beforeFirstWrite) this.sql(this.beforeFirstWrite);
    this.wrote = true;
  }

  /** A value read from SQLite: the cache remembers it. */
  private remember(k: string, value: Bytes | null): void {
    this.cache.put(k, value);
    if (this.wrote) this.cached.push(k);
  }

  /**
   * A value written: the cache changes it if it holds the key, and is not filled with keys
   * written once and never read (index entries, audit events), which would
   * push out the records every request reads again.
   */
  private written(k: string, value: Bytes | null): void {
    if (this.cache.update(k, value)) this.cached.push(k);
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    this.check("get");
    this.budget.checkKey(key);
    const k = key.toString("latin1");
    const hit = this.cache.get(k);
    if (hit !== undefined) return hit ?? undefined;
    const value = this.sql(() => this.stmt.get.get(key));
    this.remember(k, value ?? null);
    return value;
  }

  async getRange(begin: Bytes, end: Bytes, opts?: RangeOptions): Promise<KeyValue[]> {
    this.check("getRange");
    if (Buffer.compare(begin, end) >= 0) return [];
    const limit = opts?.limit && opts.limit > 0 ? opts.limit : -1;
    const stmt = opts?.reverse ? this.stmt.rangeReverse : this.stmt.range;
    return this.sql(() => stmt.all(begin, end, limit));
  }

  set(key: Bytes, value: Bytes): void {
    this.check("set");
    this.budget.onSet(key, value);
    this.willWrite();
    this.sql(() => this.stmt.set.run(key, value));
    this.written(key.toString("latin1"), value);
  }

  clear(key: Bytes): void {
    this.check("clear");
    this.budget.onClear(key);
    this.willWrite();
    this.sql(() => this.stmt.clear.run(key));
    this.written(key.toString("latin1"), null);
  }

  /** Read-modify-write: the group runs one transaction at a time, so nothing interleaves. */
  add(key: Bytes, delta: number): void {
    this.check("add");
    const k = key.toString("latin1");
    const hit = this.cache.get(k);
    const old = hit !== undefined ? hit : this.sql(() => this.stmt.get.get(key));
    const value = addToCounter(old, delta);
    this.budget.onSet(key, value);
    this.willWrite();
    this.sql(() => this.stmt.set.run(key, value));
    this.written(k, value);
  }

  clearRange(begin: Bytes, end: Bytes): void {
    this.check("clearRange");
    this.budget.onClearRange(begin, end);
    this.willWrite();
    if (Buffer.compare(begin, end) < 0) {
      this.sql(() => this.stmt.clearRange.run(begin, end));
      this.cache.clear();
    }
  }
}
