import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { type Checkpointer, startCheckpointer } from "./checkpointer";
import { StoreError } from "./errors";
import { ReadCache } from "./read-cache";
import { withRetry } from "./retry";
import {
  type KvStatements,
  prepareKvStatements,
  SqliteTransaction,
  storeErrorOf,
} from "./sqlite-transaction";
import { LIMITS, type Store, type Transaction, type TransactOptions } from "./types";
import { Watchdog } from "./watchdog";

export interface SqliteStoreOptions {
  /** Database file, or ":memory:" (unit tests). */
  filename: string;
  /** "normal": an acknowledged write survives a process crash; "full": also power loss. */
  synchronous?: "normal" | "full";
  /**
   * How long BEGIN waits, blocking the event loop, for another process holding the write
   * lock (default 10 ms). Past it the group waits on a timer, the event loop free, and
   * tries again; after 5 s its transactions fail with the retryable not_committed.
   */
  busyTimeoutMs?: number;
  /** Most transactions sharing one SQLite commit (default 256). */
  maxGroup?: number;
  /**
   * false: no savepoint per transaction; one that fails after writing undoes its whole
   * group and the others run again. Kept to measure the two against each other (bench:db).
   */
  savepoints?: boolean;
  /**
   * Fault injection (tests): called at each group's BEGIN and COMMIT and before each
   * statement a transaction runs; an error it returns is thrown there, as SQLite's own
   * would be (give it SQLite's `code`, e.g. SQLITE_BUSY or SQLITE_IOERR).
   */
  injectFault?: (at: "begin" | "commit" | "statement") => Error | undefined;
}

interface Pending {
  fn: (tx: Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * The embedded backend. Transactions run one after another in this process inside one
 * shared SQLite write transaction (BEGIN IMMEDIATE), each under its own savepoint; the
 * ones that are ready together share one COMMIT and are acknowledged after it — the way
 * FoundationDB batches commits. Running them serially inside the write lock makes every
 * transaction serializable, also against other processes on the same file. A transaction
 * that fails is rolled back to its savepoint and the others are untouched.
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  readonly filename: string;
  private readonly db: Database.Database;
  private readonly maxGroup: number;
  private readonly savepoints: boolean;
  private readonly injectFault: SqliteStoreOptions["injectFault"];
  private readonly queue: Pending[] = [];
  private draining = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};
  private readonly checkpointer: Checkpointer | undefined;
  private readonly cache = new ReadCache();
  private dataVersion = -1;
  /** Since when BEGIN has found another process holding the write lock, and the backoff. */
  private lockWait: { since: number; backoffMs: number } | undefined;
  private readonly kv: KvStatements;
  private readonly stmt: {
    begin: Database.Statement;
    commit: Database.Statement;
    rollback: Database.Statement;
    savepoint: Database.Statement;
    release: Database.Statement;
    rollbackTo: Database.Statement;
    dataVersion: Database.Statement<[], number>;
  };

  constructor(opts: SqliteStoreOptions) {
    this.filename = opts.filename;
    this.maxGroup = opts.maxGroup ?? 256;
    this.savepoints = opts.savepoints ?? true;
    this.injectFault = opts.injectFault;
    this.openSavepoint = this.savepoints ? () => this.stmt.savepoint.run() : undefined;
    if (opts.filename !== ":memory:") {
      fs.mkdirSync(path.dirname(path.resolve(opts.filename)), { recursive: true });
    }
    // Opening may wait for another process setting up the same file (WAL, the table):
    // blocking is fine then. Transactions wait at most busyTimeoutMs (set below).
    this.db = new Database(opts.filename, { timeout: 5000 });
    this.db.pragma(`synchronous = ${opts.synchronous === "full" ? "FULL" : "NORMAL"}`);
    // 64 MiB of page cache (SQLite's default is 2 MiB): a server's working set stays in it.
    this.db.pragma("cache_size = -65536");
    // Reads through a memory map skip a copy per page; the file stays the source of truth.
    this.db.pragma("mmap_size = 1073741824");
    if (opts.filename !== ":memory:") {
      this.db.pragma("journal_mode = WAL");
      this.checkpointer = startCheckpointer(opts.filename, this.db);
    }
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
    );
    this.db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10}`);
    const db = this.db;
    this.kv = prepareKvStatements(db);
    this.stmt = {
      begin: db.prepare("BEGIN IMMEDIATE"),
      commit: db.prepare("COMMIT"),
      rollback: db.prepare("ROLLBACK"),
      savepoint: db.prepare("SAVEPOINT tx"),
      release: db.prepare("RELEASE tx"),
      rollbackTo: db.prepare("ROLLBACK TO tx"),
      dataVersion: db.prepare<[], number>("PRAGMA data_version").pluck(),
    };
  }

  /** Opens the running transaction's savepoint, before its first write. */
  private readonly openSavepoint: (() => void) | undefined;

  /** Reads or sets a SQLite pragma on this store's connection (operators, tests). */
  pragma(source: string): unknown {
    return this.db.pragma(source, { simple: true });
  }

  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T> {
    return withRetry(() => this.transactOnce(fn), opts);
  }

  /** One attempt: runs fn and commits, without retrying. */
  transactOnce<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.draining) {
        this.draining = true;
        this.idle = new Promise((r) => {
          this.markIdle = r;
        });
        // Wait one turn so callers that are ready together share the first commit.
        setImmediate(() => void this.drain());
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  /** Never rejects: every failure is settled on the transactions it concerns. */
  private async drain(): Promise<void> {
    // One deadline timer for as long as there is work, not one per group.
    const watchdog = new Watchdog();
    try {
      while (this.queue.length > 0) {
        await this.runGroup(watchdog);
        // Let the callers just acknowledged queue their next transactions.
        if (this.queue.length === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      watchdog.stop();
      this.draining = false;
      this.markIdle();
    }
  }

  private async runGroup(watchdog: Watchdog): Promise<void> {
    try {
      throwInjected(this.injectFault?.("begin"));
      this.stmt.begin.run();
      this.lockWait = undefined;
    } catch (err) {
      const error = storeErrorOf(err);
      if (error.errorName === "not_committed") {
        // Another process kept the write lock past the (short) busy timeout. The group
        // waits for it off the event loop, then for up to 5 s it tries again itself;
        // after that its transactions fail with not_committed and transact() retries.
        this.lockWait ??= { since: performance.now(), backoffMs: 1 };
        if (performance.now() - this.lockWait.since < LIMITS.transactionMs) {
          const ms = Math.random() * this.lockWait.backoffMs;
          this.lockWait.backoffMs = Math.min(this.lockWait.backoffMs * 2, 50);
          await new Promise((r) => setTimeout(r, ms));
          return;
        }
        this.lockWait = undefined;
      }
      for (const p of this.queue.splice(0, this.maxGroup)) p.reject(error);
      return;
    }
    const done: Array<{ p: Pending; value: unknown }> = [];
    let running: Pending | undefined;
    let lost: unknown;
    try {
      // Another connection (another process) committed since our last group: what the
      // cache remembers may be stale.
      const version = this.stmt.dataVersion.get()!;
      if (version !== this.dataVersion) {
        this.cache.clear();
        this.dataVersion = version;
      }
      for (let n = 0; n < this.maxGroup && this.queue.length > 0; n++) {
        running = this.queue.shift()!;
        const ok = await this.runOne(running, watchdog, done);
        running = undefined;
        if (!ok) {
          // Without savepoints: undo the group, and run the others again (transaction
          // functions may run more than once).
          this.stmt.rollback.run();
          this.cache.clear();
          this.queue.unshift(...done.splice(0).map((d) => d.p));
          return;
        }
      }
      throwInjected(this.injectFault?.("commit"));
      this.stmt.commit.run();
    } catch (err) {
      lost = err;
    }
    if (lost === undefined) {
      for (const { p, value } of done) p.resolve(value);
      return;
    }
    // SQLite refused a statement the group itself runs (COMMIT, a savepoint) or rolled
    // the whole group back by itself (a full disk, an I/O error): nothing of it is kept.
    if (this.db.inTransaction) {
      try {
        this.stmt.rollback.run();
      } catch {
        // Already rolled back by SQLite.
      }
    }
    this.cache.clear();
    const error = storeErrorOf(lost);
    running?.reject(error);
    // The ones that had finished lost their writes through no fault of their own: they
    // may run again. A failed COMMIT concerns them all alike.
    const theirs = running
      ? new StoreError("not_committed", `rolled back with its commit group: ${error.message}`)
      : error;
    for (const { p } of done) p.reject(theirs);
  }

  /**
   * Runs one transaction, under its own savepoint from its first write. Returns false
   * when it failed after writing and there are no savepoints to take it back alone. Throws when the group's
   * SQLite transaction is gone.
   */
  private async runOne(
    p: Pending,
    watchdog: Watchdog,
    done: Array<{ p: Pending; value: unknown }>,
  ): Promise<boolean> {
    const tx = new SqliteTransaction(this.kv, this.cache, this.openSavepoint, this.injectFault);
    let value: unknown;
    let error: unknown;
    let failed = false;
    try {
      value = await watchdog.run(p.fn, tx);
      tx.finish();
    } catch (err) {
      failed = true;
      error = err;
    } finally {
      watchdog.done();
      tx.end();
    }
    // A failure SQLite answered by rolling back everything (SQLITE_FULL, SQLITE_IOERR):
    // the rest of the group is gone with it.
    if (!this.db.inTransaction) {
      throw tx.failure ?? new StoreError("io_error", "SQLite rolled the transaction back");
    }
    if (!failed) {
      if (this.savepoints && tx.wrote) this.stmt.release.run();
      done.push({ p, value });
      return true;
    }
    // fn's own error, unless SQLite failed under it (even if fn caught that).
    p.reject(tx.failure ?? error);
    if (!tx.wrote) return true;
    if (!this.savepoints) return false;
    this.stmt.rollbackTo.run();
    this.stmt.release.run();
    tx.forgetCached();
    return true;
  }
}

function throwInjected(err: Error | undefined): void {
  if (err) throw err;
}

export function openSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(opts);
}
