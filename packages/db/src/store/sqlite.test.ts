import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KeyPrefix, packKey } from "../keyspace";
import { FDB_ERROR, StoreError, TransactionEndedError } from "./errors";
import { openSqliteStore } from "./sqlite";
import type { Transaction } from "./types";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-sqlite-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const s = new KeyPrefix(packKey("sqlite"));
const v = (text: string) => Buffer.from(text);
const str = (b: Buffer | undefined) => b?.toString();
let files = 0;
const newFile = () => path.join(tmp, `db-${++files}.sqlite`);

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the promise to reject");
}

describe("sqlite store settings", () => {
  it("runs WAL at synchronous=NORMAL by default and FULL when asked", async () => {
    const normal = openSqliteStore({ filename: newFile() });
    expect(normal.pragma("journal_mode")).toBe("wal");
    expect(normal.pragma("synchronous")).toBe(1);
    await normal.close();
    const full = openSqliteStore({ filename: newFile(), synchronous: "full" });
    expect(full.pragma("journal_mode")).toBe("wal");
    expect(full.pragma("synchronous")).toBe(2);
    await full.close();
  });
});

describe("sqlite store checkpoints", () => {
  it("copies the WAL into the database file from its worker thread", async () => {
    const filename = newFile();
    const store = openSqliteStore({ filename });
    // 3 MB: far below the connection's own automatic checkpoint (16,384 pages, 64 MB).
    for (let i = 0; i < 40; i++) {
      await store.transact(async (tx) => tx.set(s.key("wal", i), Buffer.alloc(80_000, i)));
    }
    const until = performance.now() + 5_000;
    while (fs.statSync(filename).size < 3_000_000 && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(fs.statSync(filename).size).toBeGreaterThan(3_000_000);
    await store.close();
  });
});

describe("sqlite store under a full disk", () => {
  it("answers every caller with a StoreError, serves nothing stale, and works once space is back", async () => {
    const filename = newFile();
    const store = openSqliteStore({ filename });
    await store.transact(async (tx) => {
      for (let i = 0; i < 20; i++) tx.set(s.key("small", i), v("before"));
    });
    // The file may not grow by a single page from here on.
    store.pragma(`max_page_count = ${store.pragma("page_count")}`);
    const results = await Promise.allSettled(
      Array.from({ length: 21 }, (_, i) =>
        store.transact(async (tx) => {
          if (i === 10) tx.set(s.key("big"), Buffer.alloc(90_000, 1));
          else tx.set(s.key("small", i), v("after"));
          return i;
        }),
      ),
    );
    const big = results[10]!;
    expect(big.status).toBe("rejected");
    const err = (big as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe(FDB_ERROR.io_error);
    expect((err as StoreError).message).toMatch(/full/);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason).toBeInstanceOf(StoreError);
    }
    // What this store serves (its read cache included) is what a fresh connection reads
    // from the file: acknowledged writes are there, refused ones are not.
    const expected = results.map((r, i) =>
      i === 10 ? undefined : r.status === "fulfilled" ? "after" : "before",
    );
    const readAll = (tx: Transaction) =>
      Promise.all(
        results.map(async (_, i) =>
          i === 10 ? str(await tx.get(s.key("big"))) : str(await tx.get(s.key("small", i))),
        ),
      );
    expect(await store.transact(readAll)).toEqual(expected);
    const fresh = openSqliteStore({ filename });
    expect(await fresh.transact(readAll)).toEqual(expected);
    await fresh.close();

    store.pragma("max_page_count = 1073741823");
    await store.transact(async (tx) => tx.set(s.key("big"), Buffer.alloc(90_000, 1)));
    expect((await store.transact((tx) => tx.get(s.key("big"))))?.length).toBe(90_000);
    await store.close();
  });

  it("fails a transaction that swallowed its storage error, and keeps nothing it wrote", async () => {
    const store = openSqliteStore({ filename: newFile() });
    await store.transact(async (tx) => tx.set(s.key("seed"), v("x")));
    store.pragma(`max_page_count = ${store.pragma("page_count")}`);
    const err = await errorOf(
      store.transact(async (tx) => {
        try {
          tx.set(s.key("big"), Buffer.alloc(90_000, 1));
        } catch {
          // Carries on as if the write had worked.
        }
        tx.set(s.key("after"), v("must not be committed"));
      }),
    );
    expect((err as StoreError).code).toBe(FDB_ERROR.io_error);
    store.pragma("max_page_count = 1073741823");
    expect(await store.transact((tx) => tx.get(s.key("after")))).toBeUndefined();
    await store.close();
  });
});

describe("sqlite store savepoints", () => {
  it("undoes a failing transaction alone: the others in its group run once", async () => {
    const store = openSqliteStore({ filename: ":memory:" });
    let runs = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        store.transact(async (tx) => {
          runs++;
          tx.set(s.key("run", i), v("x"));
          if (i % 10 === 5) throw new Error("refused after writing");
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(20);
    expect(runs).toBe(200);
    const r = s.range("run");
    expect(await store.transact((tx) => tx.getRange(r.begin, r.end))).toHaveLength(180);
    await store.close();
  });

  it("takes back what a rolled-back transaction left in the read cache", async () => {
    const store = openSqliteStore({ filename: ":memory:" });
    const key = s.key("cached");
    await store.transact(async (tx) => tx.set(key, v("committed")));
    const [, seen] = await Promise.allSettled([
      store.transact(async (tx) => {
        tx.set(key, v("rolled back"));
        expect(str(await tx.get(key))).toBe("rolled back");
        throw new Error("refused after writing");
      }),
      store.transact(async (tx) => str(await tx.get(key))),
    ]);
    expect(seen).toEqual({ status: "fulfilled", value: "committed" });
    await store.close();
  });
});

describe("sqlite store transaction age", () => {
  it("refuses a transaction older than 5 s that only awaited the store or computed", async () => {
    const store = openSqliteStore({ filename: ":memory:" });
    const key = s.key("old");
    // Awaiting store calls never lets a timer run: only the operations can notice.
    const reads = await errorOf(
      store.transact(
        async (tx) => {
          const start = performance.now();
          while (performance.now() - start < 5_100) await tx.get(key);
          tx.set(key, v("late"));
        },
        { maxAttempts: 1 },
      ),
    );
    expect((reads as StoreError).code).toBe(FDB_ERROR.transaction_too_old);
    const computes = await errorOf(
      store.transact(
        async (tx) => {
          tx.set(key, v("late"));
          const start = performance.now();
          while (performance.now() - start < 5_100) {
            // Computing, not yielding.
          }
        },
        { maxAttempts: 1 },
      ),
    );
    expect((computes as StoreError).code).toBe(FDB_ERROR.transaction_too_old);
    expect(await store.transact((tx) => tx.get(key))).toBeUndefined();
    await store.close();
  }, 20_000);

  it("reports a transaction used after it ended as a programming error, not a retryable one", async () => {
    const store = openSqliteStore({ filename: ":memory:" });
    let kept: Transaction | undefined;
    await store.transact(async (tx) => {
      kept = tx;
    });
    expect(() => kept!.set(s.key("late"), v("x"))).toThrow(TransactionEndedError);
    const err = await errorOf(kept!.get(s.key("late")));
    expect(err).toBeInstanceOf(TransactionEndedError);
    expect(err).not.toBeInstanceOf(StoreError);
    await store.close();
  });
});

describe("sqlite store and another process holding the write lock", () => {
  it("keeps its event loop free while it waits, and commits once the lock is free", async () => {
    const filename = newFile();
    const store = openSqliteStore({ filename });
    await store.transact(async (tx) => tx.set(s.key("lock"), v("before")));
    // A second process takes the write lock for 2 s.
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const db = new (require(${JSON.stringify(driver)}))(${JSON.stringify(filename)});
         db.exec("BEGIN IMMEDIATE");
         process.stdout.write("locked\\n");
         const until = Date.now() + 2000;
         while (Date.now() < until) {}
         db.exec("COMMIT");`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise((r) => holder.on("exit", r));
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    // The longest gap between two ticks of a 5 ms timer: how long the loop was blocked.
    let last = performance.now();
    let maxGapMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
    }, 5);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await store.transact(async (tx) => tx.set(s.key("lock"), v("after")));
    const waited = performance.now() - started;
    await new Promise((r) => setTimeout(r, 20));
    clearInterval(ticker);
    await exited;
    expect(waited).toBeGreaterThan(500);
    // A wait for the lock on the event loop shows as one gap of the lock's 2 s. On a loaded
    // machine the scheduler alone leaves gaps of ~100 ms; on a quiet one they stay < 50 ms.
    expect(maxGapMs).toBeLessThan(250);
    expect(str(await store.transact((tx) => tx.get(s.key("lock"))))).toBe("after");
    await store.close();
  }, 20_000);
});

describe("sqlite store killed with SIGKILL", () => {
  for (const sync of ["normal", "full"] as const) {
    it(`keeps every acknowledged commit at synchronous=${sync}`, async () => {
      const filename = newFile();
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          path.join(import.meta.dirname, "testing", "ack-child.ts"),
          filename,
          sync,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      const exited = new Promise((r) => child.on("exit", r));
      // Killed while it is still writing, right after it reported its 300th commit.
      let acked = -1;
      let pending = "";
      await new Promise<void>((resolve) => {
        child.stdout.on("data", (d: Buffer) => {
          pending += d.toString();
          const lines = pending.split("\n");
          pending = lines.pop()!;
          for (const line of lines) acked = Math.max(acked, Number(line));
          if (acked >= 300 && child.kill("SIGKILL")) resolve();
        });
      });
      await exited;
      const store = openSqliteStore({ filename });
      const keys = new KeyPrefix(packKey("acked"));
      const r = keys.range();
      const rows = await store.transact((tx) => tx.getRange(r.begin, r.end));
      const have = new Set(rows.map((row) => Number(row.value.toString())));
      const lost = Array.from({ length: acked + 1 }, (_, i) => i).filter((i) => !have.has(i));
      expect(lost).toEqual([]);
      await store.close();
    }, 30_000);
  }
});

describe("sqlite store group path under injected SQLite errors", () => {
  const sqliteError = (code: string) => Object.assign(new Error(`injected ${code}`), { code });
  /** Fails the given points the given number of times. */
  const failing = (left: Partial<Record<"begin" | "commit" | "statement", number>>) => ({
    injectFault: (at: "begin" | "commit" | "statement") => {
      if (!left[at]) return undefined;
      left[at]--;
      return sqliteError(at === "begin" ? "SQLITE_BUSY" : "SQLITE_IOERR");
    },
  });
  const write = (i: number) => async (tx: Transaction) => {
    await tx.get(s.key("g", i));
    tx.set(s.key("g", i), v("after"));
    return i;
  };
  const readAll = (store: ReturnType<typeof openSqliteStore>, n: number) =>
    store.transact((tx) =>
      Promise.all(Array.from({ length: n }, async (_, i) => str(await tx.get(s.key("g", i))))),
    );

  it("waits out a busy BEGIN and commits every transaction", async () => {
    const store = openSqliteStore({ filename: newFile(), ...failing({ begin: 5 }) });
    const done = await Promise.all(Array.from({ length: 20 }, (_, i) => store.transact(write(i))));
    expect(done).toHaveLength(20);
    expect(await readAll(store, 20)).toEqual(Array(20).fill("after"));
    await store.close();
  });

  it("fails every transaction of a group whose COMMIT fails, serves nothing stale, then works", async () => {
    const left = { commit: 0 };
    const store = openSqliteStore({ filename: newFile(), ...failing(left) });
    await store.transact(async (tx) => {
      for (let i = 0; i < 10; i++) tx.set(s.key("g", i), v("before"));
    });
    left.commit = 1;
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.transact(write(i))),
    );
    for (const r of results) {
      expect(r.status).toBe("rejected");
      expect(((r as PromiseRejectedResult).reason as StoreError).code).toBe(FDB_ERROR.io_error);
    }
    expect(await readAll(store, 10)).toEqual(Array(10).fill("before"));
    await store.transact(write(3));
    expect((await readAll(store, 10))[3]).toBe("after");
    await store.close();
  });

  it("fails only the transaction whose statement fails; its group commits", async () => {
    const left = { statement: 0 };
    const store = openSqliteStore({ filename: newFile(), ...failing(left) });
    let calls = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.transact(async (tx) => {
          // The fifth transaction's write hits the error.
          if (i === 4) left.statement = 1;
          calls++;
          return write(i)(tx);
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([
      ...Array(4).fill("fulfilled"),
      "rejected",
      ...Array(5).fill("fulfilled"),
    ]);
    expect(((results[4] as PromiseRejectedResult).reason as StoreError).code).toBe(
      FDB_ERROR.io_error,
    );
    expect(calls).toBe(10);
    const seen = await readAll(store, 10);
    expect(seen.filter((x) => x === "after")).toHaveLength(9);
    expect(seen[4]).toBeUndefined();
    await store.close();
  });
});
