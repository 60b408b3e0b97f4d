import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { KeyPrefix, packKey } from "../keyspace";
import { decodeCounter, encodeCounter } from "./counter";
import { FDB_ERROR, StoreError } from "./errors";
import type { AttemptStore } from "./faults";
import { withFaults } from "./faults";
import { openFoundationDbStore } from "./foundationdb";
import { openSqliteStore } from "./sqlite";
import type { Store } from "./types";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-conformance-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Backend {
  name: string;
  /** Why the backend cannot run here, if it cannot: its suite shows as skipped. */
  unavailable?: string;
  open(): Promise<AttemptStore>;
  /** Opens the same data again (a restart), where the backend persists. */
  reopen?: (store: AttemptStore) => Promise<AttemptStore>;
}

let fileCounter = 0;
const clusterFile = process.env.FDB_CLUSTER_FILE;
const backends: Backend[] = [
  { name: "sqlite :memory:", open: async () => openSqliteStore({ filename: ":memory:" }) },
  {
    name: "sqlite file",
    open: async () => openSqliteStore({ filename: path.join(tmp, `db-${++fileCounter}.sqlite`) }),
    reopen: async (store) => {
      const filename = (store as ReturnType<typeof openSqliteStore>).filename;
      await store.close();
      return openSqliteStore({ filename });
    },
  },
  {
    name: "foundationdb",
    unavailable: clusterFile ? undefined : "FDB_CLUSTER_FILE is not set: no cluster to run against",
    // A fresh directory per store keeps runs apart on a shared cluster; closing the store
    // removes it, so the cluster keeps nothing of the run.
    open: () =>
      openFoundationDbStore({
        clusterFile: clusterFile!,
        directory: ["hearth-test", `${process.pid}-${++fileCounter}`],
        removeDirectoryOnClose: true,
      }),
  },
];

const s = new KeyPrefix(packKey("conf"));
const v = (text: string) => Buffer.from(text);
const str = (b: Buffer | undefined) => b?.toString();

async function errorOf(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    return err as StoreError;
  }
  throw new Error("expected the promise to reject");
}

for (const backend of backends) {
  describe.skipIf(backend.unavailable !== undefined)(
    `store conformance: ${backend.name}${backend.unavailable ? ` (skipped: ${backend.unavailable})` : ""}`,
    () => {
      const open = () => backend.open();

      it("orders range reads by key bytes, with limit and reverse", async () => {
        const store = await open();
        const ids = [10, 2, 33, 1, 7, 250, 1000, 5];
        await store.transact(async (tx) => {
          for (const id of ids) tx.set(s.key("n", id), v(String(id)));
          tx.set(s.key("m", "z"), v("other prefix"));
        });
        const r = s.range("n");
        const all = await store.transact((tx) => tx.getRange(r.begin, r.end));
        expect(all.map((kv) => Number(str(kv.value)))).toEqual([1, 2, 5, 7, 10, 33, 250, 1000]);
        const first3 = await store.transact((tx) => tx.getRange(r.begin, r.end, { limit: 3 }));
        expect(first3.map((kv) => str(kv.value))).toEqual(["1", "2", "5"]);
        const last2 = await store.transact((tx) =>
          tx.getRange(r.begin, r.end, { limit: 2, reverse: true }),
        );
        expect(last2.map((kv) => str(kv.value))).toEqual(["1000", "250"]);
        const empty = await store.transact((tx) => tx.getRange(r.end, r.begin));
        expect(empty).toEqual([]);
        await store.close();
      });

      it("lets a transaction read its own writes, in point and range reads", async () => {
        const store = await open();
        await store.transact(async (tx) => {
          tx.set(s.key("a", 1), v("one"));
          tx.set(s.key("a", 3), v("three"));
        });
        const seen = await store.transact(async (tx) => {
          tx.set(s.key("a", 2), v("two"));
          tx.clear(s.key("a", 3));
          const r = s.range("a");
          return {
            two: str(await tx.get(s.key("a", 2))),
            three: await tx.get(s.key("a", 3)),
            range: (await tx.getRange(r.begin, r.end)).map((kv) => str(kv.value)),
            reversed: (await tx.getRange(r.begin, r.end, { reverse: true, limit: 1 })).map((kv) =>
              str(kv.value),
            ),
          };
        });
        expect(seen).toEqual({
          two: "two",
          three: undefined,
          range: ["one", "two"],
          reversed: ["two"],
        });
        await store.close();
      });

      it("clears a range and nothing outside it", async () => {
        const store = await open();
        await store.transact(async (tx) => {
          for (let i = 0; i < 10; i++) tx.set(s.key("c", i), v(String(i)));
        });
        expect(str(await store.transact((tx) => tx.get(s.key("c", 4))))).toBe("4");
        await store.transact(async (tx) => tx.clearRange(s.key("c", 3), s.key("c", 7)));
        const r = s.range("c");
        const left = await store.transact((tx) => tx.getRange(r.begin, r.end));
        expect(left.map((kv) => str(kv.value))).toEqual(["0", "1", "2", "7", "8", "9"]);
        expect(await store.transact((tx) => tx.get(s.key("c", 4)))).toBeUndefined();
        expect(str(await store.transact((tx) => tx.get(s.key("c", 7))))).toBe("7");
        await store.close();
      });

      it("adds to a counter atomically: from absent, negative, read back in the same transaction", async () => {
        const store = await open();
        const key = s.key("counter", "add");
        const seen = await store.transact(async (tx) => {
          tx.add(key, 5);
          tx.add(key, -7);
          return decodeCounter(await tx.get(key));
        });
        expect(seen).toBe(-2);
        await Promise.all(
          Array.from({ length: 100 }, () => store.transact(async (tx) => tx.add(key, 3))),
        );
        const stored = await store.transact((tx) => tx.get(key));
        expect(stored).toEqual(encodeCounter(298));
        expect(decodeCounter(stored)).toBe(298);
        await store.close();
      });

      it("refuses an inverted range clear with inverted_range, clearing nothing", async () => {
        const store = await open();
        await store.transact(async (tx) => {
          for (let i = 0; i < 5; i++) tx.set(s.key("inv", i), v(String(i)));
        });
        const err = await errorOf(
          store.transact(async (tx) => tx.clearRange(s.key("inv", 4), s.key("inv", 1))),
        );
        expect(err.code).toBe(FDB_ERROR.inverted_range);
        // An empty range (begin = end) is no error.
        await store.transact(async (tx) => tx.clearRange(s.key("inv", 2), s.key("inv", 2)));
        const r = s.range("inv");
        expect(await store.transact((tx) => tx.getRange(r.begin, r.end))).toHaveLength(5);
        await store.close();
      });

      it("enforces FoundationDB's size limits and writes nothing of a refused transaction", async () => {
        const store = await open();
        const key = s.key("big");
        const keyErr = await errorOf(
          store.transact(async (tx) => {
            tx.set(key, v("kept out"));
            tx.set(Buffer.alloc(10_001, 1), v("x"));
          }),
        );
        expect(keyErr.code).toBe(FDB_ERROR.key_too_large);
        const valueErr = await errorOf(
          store.transact(async (tx) => {
            tx.set(key, Buffer.alloc(100_001));
          }),
        );
        expect(valueErr.code).toBe(FDB_ERROR.value_too_large);
        const txErr = await errorOf(
          store.transact(async (tx) => {
            for (let i = 0; i < 101; i++) tx.set(s.key("big", i), Buffer.alloc(99_999));
          }),
        );
        expect(txErr.code).toBe(FDB_ERROR.transaction_too_large);
        await store.transact(async (tx) => tx.set(s.key("fits"), Buffer.alloc(100_000)));
        const after = await store.transact(async (tx) => ({
          key: await tx.get(key),
          any: (await tx.getRange(s.range("big").begin, s.range("big").end)).length,
          fits: (await tx.get(s.key("fits")))?.length,
        }));
        expect(after).toEqual({ key: undefined, any: 0, fits: 100_000 });
        await store.close();
      });

      it("writes nothing when the transaction function throws, and does not retry it", async () => {
        const store = await open();
        let runs = 0;
        await expect(
          store.transact(async (tx) => {
            runs++;
            tx.set(s.key("atomic", 1), v("a"));
            tx.set(s.key("atomic", 2), v("b"));
            throw new Error("domain failure");
          }),
        ).rejects.toThrow("domain failure");
        expect(runs).toBe(1);
        const r = s.range("atomic");
        expect(await store.transact((tx) => tx.getRange(r.begin, r.end))).toEqual([]);
        await store.close();
      });

      it("retries retryable errors and gives up on others", async () => {
        const store = await open();
        let runs = 0;
        const value = await store.transact(async (tx) => {
          runs++;
          tx.set(s.key("retry"), v(String(runs)));
          if (runs < 3) throw new StoreError("not_committed");
          return runs;
        });
        expect(value).toBe(3);
        expect(str(await store.transact((tx) => tx.get(s.key("retry"))))).toBe("3");
        await store.close();
      });

      it("never loses an update between concurrent transactions on the same key", async () => {
        const store = await open();
        const key = s.key("counter");
        const increment = () =>
          store.transact(async (tx) => {
            const n = Number(str(await tx.get(key)) ?? "0");
            await new Promise((r) => setImmediate(r));
            tx.set(key, v(String(n + 1)));
          });
        await Promise.all(Array.from({ length: 200 }, increment));
        expect(str(await store.transact((tx) => tx.get(key)))).toBe("200");
        await store.close();
      });

      it("acknowledges each of many concurrent transactions on its own", async () => {
        const store = await open();
        const results = await Promise.allSettled(
          Array.from({ length: 300 }, (_, i) =>
            store.transact(async (tx) => {
              tx.set(s.key("many", i), v(String(i)));
              if (i % 7 === 0) throw new Error(`refused ${i}`);
              return i;
            }),
          ),
        );
        const ok = results.filter((r) => r.status === "fulfilled").length;
        expect(ok).toBe(300 - 43);
        const r = s.range("many");
        const rows = await store.transact((tx) => tx.getRange(r.begin, r.end));
        expect(rows.length).toBe(257);
        expect(rows.some((kv) => Number(str(kv.value)) % 7 === 0)).toBe(false);
        await store.close();
      });

      it("keeps concurrent neighbours intact when a transaction fails after writing", async () => {
        const store = await open();
        const key = s.key("neighbours");
        const results = await Promise.allSettled(
          Array.from({ length: 100 }, (_, i) =>
            store.transact(async (tx) => {
              const n = Number(str(await tx.get(key)) ?? "0");
              tx.set(key, v(String(n + 1)));
              tx.set(s.key("junk", i), v("must not stay"));
              if (i % 10 === 3) throw new Error("fails after writing");
              tx.clear(s.key("junk", i));
            }),
          ),
        );
        expect(results.filter((r) => r.status === "rejected").length).toBe(10);
        const r = s.range("junk");
        const after = await store.transact(async (tx) => ({
          n: str(await tx.get(key)),
          junk: (await tx.getRange(r.begin, r.end)).length,
        }));
        expect(after).toEqual({ n: "90", junk: 0 });
        await store.close();
      });

      // Only backends that persist can be reopened; an in-memory store has nothing to check.
      const reopen = backend.reopen;
      if (reopen) {
        it("keeps committed data across a reopen", async () => {
          let store = await open();
          await store.transact(async (tx) => tx.set(s.key("durable"), v("still here")));
          store = await reopen(store);
          expect(str(await store.transact((tx) => tx.get(s.key("durable"))))).toBe("still here");
          await store.close();
        });
      }

      it("injects 1007 on a read and a 1021 that did not apply, counting each fault once", async () => {
        const inner = await open();
        const key = s.key("faulty", "counter");
        const faulty = withFaults(inner, {
          seed: 1,
          schedule: ["tooOld", "commitUnknownNotApplied", "notCommitted", null],
        });
        let runs = 0;
        await faulty.transact(async (tx) => {
          runs++;
          const n = Number(str(await tx.get(key)) ?? "0");
          tx.set(key, v(String(n + 1)));
        });
        // The three faulted attempts applied nothing: one increment.
        expect(str(await inner.transact((tx) => tx.get(key)))).toBe("1");
        expect(faulty.counts).toEqual({
          attempts: 4,
          notCommitted: 1,
          commitUnknown: 0,
          commitUnknownNotApplied: 1,
          tooOld: 1,
        });
        expect(runs).toBe(4);
        await inner.close();
      });

      it("surfaces injected faults: not_committed writes nothing, commit_unknown_result applied", async () => {
        const inner = await open();
        const failing = withFaults(inner, { seed: 1, notCommitted: 1 });
        const e1 = await errorOf(
          failing.transact(async (tx) => tx.set(s.key("f", 1), v("x")), { maxAttempts: 3 }),
        );
        expect(e1.code).toBe(FDB_ERROR.not_committed);
        expect(failing.counts.attempts).toBe(3);
        const unknown = withFaults(inner, { seed: 1, commitUnknown: 1 });
        const e2 = await errorOf(
          unknown.transact(async (tx) => tx.set(s.key("f", 2), v("y")), { maxAttempts: 1 }),
        );
        expect(e2.code).toBe(FDB_ERROR.commit_unknown_result);
        const seen = await inner.transact(async (tx) => ({
          one: await tx.get(s.key("f", 1)),
          two: str(await tx.get(s.key("f", 2))),
        }));
        expect(seen).toEqual({ one: undefined, two: "y" });
        await inner.close();
      });
    },
  );
}

describe("sqlite backend", () => {
  it("sees another connection's commits in point reads it has made before", async () => {
    const filename = path.join(tmp, "two-connections.sqlite");
    const a = openSqliteStore({ filename });
    const b = openSqliteStore({ filename });
    const key = s.key("seen");
    await a.transact(async (tx) => tx.set(key, v("first")));
    expect(str(await a.transact((tx) => tx.get(key)))).toBe("first");
    expect(str(await b.transact((tx) => tx.get(key)))).toBe("first");
    await b.transact(async (tx) => tx.set(key, v("second")));
    expect(str(await a.transact((tx) => tx.get(key)))).toBe("second");
    await b.transact(async (tx) => tx.clearRange(s.range().begin, s.range().end));
    expect(await a.transact((tx) => tx.get(key))).toBeUndefined();
    await a.close();
    await b.close();
  });

  it("refuses a transaction that runs longer than 5 s", async () => {
    const store: Store = openSqliteStore({ filename: ":memory:" });
    const err = await errorOf(
      store.transact(
        async (tx) => {
          await new Promise((r) => setTimeout(r, 5_100));
          tx.set(s.key("late"), v("x"));
        },
        { maxAttempts: 1 },
      ),
    );
    expect(err.code).toBe(FDB_ERROR.transaction_too_old);
    expect(await store.transact((tx) => tx.get(s.key("late")))).toBeUndefined();
    await store.close();
  }, 15_000);

  it("holds no memory per transaction while it stays busy", async () => {
    // Under steady load the store never goes idle; nothing may pile up per transaction
    // until it does (each one used to leave a reaction on a shared deadline promise).
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const store: Store = openSqliteStore({ filename: ":memory:" });
    const key = s.key("busy");
    let left = 60_000;
    let heapAt20k = 0;
    const worker = async () => {
      while (left-- > 0) {
        await store.transact(async (tx) => {
          await tx.get(key);
          tx.set(key, v("x"));
        });
        if (left === 40_000) {
          gc();
          heapAt20k = process.memoryUsage().heapUsed;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    gc();
    const grown = process.memoryUsage().heapUsed - heapAt20k;
    await store.close();
    // 40,000 transactions: the leak kept ≈ 150 B each (6 MB).
    expect(grown).toBeLessThan(1_500_000);
  }, 30_000);

  it("remembers small writes at about their own size, not the pool blocks they were cut from", async () => {
    // A small Buffer.from() is a view into one of Node's shared 8 KB blocks; what the store
    // keeps of the values it writes must not keep those blocks alive.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const store: Store = openSqliteStore({ filename: ":memory:" });
    gc();
    const before = process.memoryUsage().arrayBuffers;
    let garbage: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) {
      // What else a server allocates between two writes, soon garbage.
      for (let j = 0; j < 10; j++)
        garbage.push(Buffer.from(`request ${i}/${j} ${"x".repeat(200)}`));
      if (garbage.length > 1000) garbage = [];
      const value = Buffer.from(JSON.stringify({ session: i, layout: "single", tabs: ["a.ts"] }));
      // Read first, so the cache holds the key and the write goes through it.
      await store.transact(async (tx) => {
        await tx.get(s.key("small", i));
        tx.set(s.key("small", i), value);
      });
    }
    garbage = [];
    gc();
    const kept = process.memoryUsage().arrayBuffers - before;
    // 20,000 values of ≈ 50 B: ≈ 1 MB of their own; kept as pool views they held ≈ 50 MB.
    expect(kept).toBeLessThan(8_000_000);
    expect(str(await store.transact((tx) => tx.get(s.key("small", 19_999))))).toContain(
      '"session":19999',
    );
    await store.close();
  }, 30_000);

  it("keeps two processes writing one file from losing updates", async () => {
    const filename = path.join(tmp, "shared.sqlite");
    const child = path.join(import.meta.dirname, "testing", "increment-child.ts");
    const run = () =>
      new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, ["--import", "tsx", child, filename, "300"], {
          stdio: ["ignore", "inherit", "pipe"],
        });
        let stderr = "";
        p.stderr.on("data", (d: Buffer) => {
          stderr += d.toString();
        });
        p.on("exit", (code) =>
          code === 0 ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`)),
        );
      });
    await Promise.all([run(), run()]);
    const store = openSqliteStore({ filename });
    const n = str(await store.transact((tx) => tx.get(s.key("xproc"))));
    expect(n).toBe("600");
    await store.close();
  }, 60_000);
});
