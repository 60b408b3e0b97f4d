import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { StoreError } from "./errors";
import { WriteBudget } from "./limits";
import { withRetry } from "./retry";
import {
  type Bytes,
  type KeyValue,
  LIMITS,
  type RangeOptions,
  type Store,
  type Transaction,
  type TransactOptions,
} from "./types";

export interface SqliteStoreOptions {
  /** Database file, or ":memory:" (unit tests). */
  filename: string;
  /** "normal": an acknowledged write survives a process crash; "full": also power loss. */
  synchronous?: "normal" | "full";
  /** How long to wait for another process holding the write lock (default 5 s). */
  busyTimeoutMs?: number;
  /** Most transactions sharing one SQLite commit (default 256). */
  maxGroup?: number;
}

interface Pending {
  fn: (tx: Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Row = { key: Bytes; value: Bytes };

/**
 * The embedded backend. Transactions run one after another in this process inside one
 * shared SQLite write transaction (BEGIN IMMEDIATE); the ones that are ready together
 * share one COMMIT and are acknowledged after it — the way FoundationDB batches commits.
 * Running them serially inside the write lock makes every transaction serializable, also
 * against other processes on the same file. A transaction that fails after writing undoes
 * the group, and the others in it run again: cheaper than a savepoint per transaction,
 * since failures after a write are rare (domain checks come before writes).
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  readonly filename: string;
  private readonly db: Database.Database;
  private readonly maxGroup: number;
  private readonly queue: Pending[] = [];
  private draining = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};
  private readonly checkpointer: Checkpointer | undefined;
  private readonly cache = new ReadCache();
  private dataVersion = -1;

  private readonly stmt: {
    get: Database.Statement<[Bytes], Bytes>;
    range: Database.Statement<[Bytes, Bytes, number], Row>;
    rangeReverse: Database.Statement<[Bytes, Bytes, number], Row>;
    set: Database.Statement<[Bytes, Bytes]>;
    clear: Database.Statement<[Bytes]>;
    clearRange: Database.Statement<[Bytes, Bytes]>;
    begin: Database.Statement;
    commit: Database.Statement;
    rollback: Database.Statement;
    dataVersion: Database.Statement<[], number>;
  };

  constructor(opts: SqliteStoreOptions) {
    this.filename = opts.filename;
    this.maxGroup = opts.maxGroup ?? 256;
    if (opts.filename !== ":memory:") {
      fs.mkdirSync(path.dirname(path.resolve(opts.filename)), { recursive: true });
    }
    this.db = new Database(opts.filename, { timeout: opts.busyTimeoutMs ?? 5000 });
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
    const db = this.db;
    this.stmt = {
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
      begin: db.prepare("BEGIN IMMEDIATE"),
      commit: db.prepare("COMMIT"),
      rollback: db.prepare("ROLLBACK"),
      dataVersion: db.prepare<[], number>("PRAGMA data_version").pluck(),
    };
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
      this.stmt.begin.run();
    } catch (err) {
      // Another process kept the write lock past the busy timeout: retryable.
      const group = this.queue.splice(0, this.maxGroup);
      for (const p of group) p.reject(mapSqliteError(err));
      return;
    }
    // Another connection (another process) committed since our last group: what the
    // cache remembers may be stale.
    const version = this.stmt.dataVersion.get()!;
    if (version !== this.dataVersion) {
      this.cache.clear();
      this.dataVersion = version;
    }
    const done: Array<{ p: Pending; value: unknown }> = [];
    let undo = false;
    for (let n = 0; n < this.maxGroup && this.queue.length > 0; n++) {
      const p = this.queue.shift()!;
      const tx = new SqliteTransaction(this.stmt, this.cache);
      try {
        done.push({ p, value: await watchdog.run(p.fn, tx) });
      } catch (err) {
        p.reject(err);
        // Its writes are already in the shared SQLite transaction: undo the whole group
        // and run the others again (transaction functions may run more than once).
        undo = tx.wrote;
      } finally {
        watchdog.done();
        tx.close();
      }
      if (undo) break;
    }
    if (undo) {
      this.stmt.rollback.run();
      this.cache.clear();
      this.queue.unshift(...done.map((d) => d.p));
      return;
    }
    try {
      this.stmt.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.stmt.rollback.run();
      this.cache.clear();
      for (const { p } of done) p.reject(mapSqliteError(err));
      return;
    }
    for (const { p, value } of done) p.resolve(value);
  }
}

/** A transaction's operations run directly in the group's SQLite transaction: reads see its writes. */
class SqliteTransaction implements Transaction {
  private open = true;
  /** Whether anything was written (a failure then has to undo the group). */
  wrote = false;
  private readonly budget = new WriteBudget();

  constructor(
    private readonly stmt: SqliteStore["stmt"],
    private readonly cache: ReadCache,
  ) {}

  close(): void {
    this.open = false;
  }

  private check(): void {
    if (!this.open) {
      throw new StoreError("transaction_too_old", "the transaction has already finished");
    }
  }

  async get(key: Bytes): Promise<Bytes | undefined> {
    this.check();
    this.budget.checkKey(key);
    const k = key.toString("latin1");
    const hit = this.cache.get(k);
    if (hit !== undefined) return hit ?? undefined;
    const value = this.stmt.get.get(key);
    this.cache.put(k, value ?? null);
    return value;
  }

  async getRange(begin: Bytes, end: Bytes, opts?: RangeOptions): Promise<KeyValue[]> {
    this.check();
    if (Buffer.compare(begin, end) >= 0) return [];
    const limit = opts?.limit && opts.limit > 0 ? opts.limit : -1;
    const stmt = opts?.reverse ? this.stmt.rangeReverse : this.stmt.range;
    return stmt.all(begin, end, limit);
  }

  set(key: Bytes, value: Bytes): void {
    this.check();
    this.budget.onSet(key, value);
    this.wrote = true;
    this.stmt.set.run(key, value);
    this.cache.put(key.toString("latin1"), value);
  }

  clear(key: Bytes): void {
    this.check();
    this.budget.onClear(key);
    this.wrote = true;
    this.stmt.clear.run(key);
    this.cache.put(key.toString("latin1"), null);
  }

  clearRange(begin: Bytes, end: Bytes): void {
    this.check();
    this.budget.onClear(begin, end);
    this.wrote = true;
    if (Buffer.compare(begin, end) < 0) {
      this.stmt.clearRange.run(begin, end);
      this.cache.clear();
    }
  }
}

/**
 * FoundationDB refuses transactions older than 5 s; so does this backend. One timer,
 * alive while the store has work, watches whichever transaction is running (a timer per
 * transaction costs more than a small transaction itself). The running transaction's
 * promise is the only thing it holds: racing every transaction against one long-lived
 * deadline promise would leave a reaction on that promise per transaction until the
 * store went idle, which under steady load is never.
 */
class Watchdog {
  private startedAt = 0;
  private fail: ((err: StoreError) => void) | undefined;
  private readonly timer = setInterval(() => this.check(), 250);

  private check(): void {
    if (this.fail && performance.now() - this.startedAt > LIMITS.transactionMs) {
      this.fail(new StoreError("transaction_too_old", "transaction ran longer than 5 s"));
      this.fail = undefined;
    }
  }

  run<T>(fn: (tx: Transaction) => Promise<T>, tx: Transaction): Promise<T> {
    this.startedAt = performance.now();
    return new Promise<T>((resolve, reject) => {
      this.fail = reject;
      fn(tx).then(resolve, reject);
    });
  }

  /** The transaction that run() started has settled. */
  done(): void {
    this.fail = undefined;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Small values recently read or written by this connection, keyed by the key's bytes: the
 * records every request reads again (auth sessions, memberships, a session's rev) then
 * cost a Map lookup instead of a SQLite statement (~8 µs here). Kept exact: every write
 * goes through it, a range clear, an undone group or a failed commit empties it, and so
 * does a commit by any other connection (PRAGMA data_version, checked at each group).
 */
class ReadCache {
  private readonly map = new Map<string, Bytes | null>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 50_000,
    private readonly maxBytes = 32 * 1024 * 1024,
    private readonly maxValueBytes = 4096,
  ) {}

  /** The value, null when known to be absent, undefined when not known. */
  get(key: string): Bytes | null | undefined {
    return this.map.get(key);
  }

  put(key: string, value: Bytes | null): void {
    const old = this.map.get(key);
    if (old) this.bytes -= old.length;
    if (value && value.length > this.maxValueBytes) {
      this.map.delete(key);
      return;
    }
    // Kept as is (the port's values are never modified once set or read) when it owns its
    // memory. A view into a larger buffer is copied into one of its own: a small
    // Buffer.from() is a view into Node's shared 8 KB pool, the last chunk of a big part a
    // view into the whole part, and either would keep all of it alive while cached.
    const kept = value && value.byteLength !== value.buffer.byteLength ? ownCopy(value) : value;
    // A key keeps its place when its value changes: the oldest keys go first.
    this.map.set(key, kept);
    if (kept) this.bytes += kept.length;
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next().value as string;
      const v = this.map.get(oldest);
      if (v) this.bytes -= v.length;
      this.map.delete(oldest);
    }
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

/** The bytes in a buffer of their own (allocUnsafeSlow never hands out a pool slice). */
function ownCopy(value: Bytes): Bytes {
  const copy = Buffer.allocUnsafeSlow(value.length);
  value.copy(copy);
  return copy;
}

interface Checkpointer {
  stop(): Promise<void>;
}

// Runs in a worker thread with its own connection to the same file.
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { timeout: 0 });
const checkpoint = () => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * Copies the WAL back into the database file from another thread. Left to SQLite, every
 * thousandth page written makes one commit copy 4 MB on the event loop — more than half
 * of what commits cost under a steady autosave load. The connection keeps a much larger
 * automatic checkpoint as a backstop in case the worker falls behind or cannot start.
 */
function startCheckpointer(filename: string, db: Database.Database): Checkpointer | undefined {
  db.pragma("wal_autocheckpoint = 16384");
  let worker: Worker;
  try {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    worker = new Worker(CHECKPOINT_WORKER, {
      eval: true,
      workerData: { driver, filename: path.resolve(filename), intervalMs: 50 },
    });
  } catch {
    db.pragma("wal_autocheckpoint = 1000");
    return undefined;
  }
  worker.unref();
  worker.on("error", () => db.open && db.pragma("wal_autocheckpoint = 1000"));
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async stop() {
      // Keep the process alive until the last checkpoint is done.
      worker.ref();
      worker.postMessage("stop");
      await exited;
    },
  };
}

function mapSqliteError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT" || code === "SQLITE_LOCKED") {
    return new StoreError("not_committed", "the database is locked by another writer");
  }
  return err;
}

export function openSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(opts);
}
