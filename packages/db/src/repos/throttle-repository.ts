import { globalKeys } from "../keyspace";
import { newId } from "../models/ids";
import type { Store } from "../store/types";
import { decodeJson, encodeJson, getJson, transact } from "./internal";

interface ThrottleWindow {
  windowStartMs: number;
  windowMs: number;
  count: number;
  /** Ids of the latest hits: a retried hit that already committed is not counted twice. */
  hits: string[];
}

export interface ThrottleState {
  /** Hits in the current window, this one included. */
  count: number;
  /** When the current window ends (ms since epoch). */
  resetAtMs: number;
}

/**
 * Fixed-window counters for login / register / reset throttling, kept in the store so
 * every server sees the same counts: ("g","throttle",bucket,key).
 */
export class ThrottleRepository {
  constructor(private readonly store: Store) {}

  /** Counts one hit in the window of `windowMs` containing `nowMs`. */
  async hit(
    bucket: string,
    key: string,
    windowMs: number,
    nowMs = Date.now(),
  ): Promise<ThrottleState> {
    const hitId = newId(nowMs);
    const k = globalKeys.throttle(bucket, key);
    return transact(this.store, async (tx) => {
      const w = await getJson<ThrottleWindow>(tx, k);
      if (w?.hits.includes(hitId))
        return { count: w.count, resetAtMs: w.windowStartMs + w.windowMs };
      const fresh = !w || nowMs >= w.windowStartMs + w.windowMs || w.windowMs !== windowMs;
      const next: ThrottleWindow = fresh
        ? { windowStartMs: nowMs, windowMs, count: 1, hits: [hitId] }
        : { ...w, count: w.count + 1, hits: [hitId, ...w.hits.slice(0, 7)] };
      tx.set(k, encodeJson(next));
      return { count: next.count, resetAtMs: next.windowStartMs + windowMs };
    });
  }

  /** The current count without adding a hit (0 when the window has passed). */
  async peek(bucket: string, key: string, nowMs = Date.now()): Promise<ThrottleState> {
    return this.store.transact(async (tx) => {
      const w = await getJson<ThrottleWindow>(tx, globalKeys.throttle(bucket, key));
      if (!w || nowMs >= w.windowStartMs + w.windowMs) return { count: 0, resetAtMs: nowMs };
      return { count: w.count, resetAtMs: w.windowStartMs + w.windowMs };
    });
  }

  async reset(bucket: string, key: string): Promise<void> {
    await transact(this.store, async (tx) => tx.clear(globalKeys.throttle(bucket, key)));
  }

  /** Removes up to `limit` counters whose window has passed; returns how many. */
  async purgeExpired(nowMs = Date.now(), limit = 1000): Promise<number> {
    return transact(this.store, async (tx) => {
      const r = globalKeys.throttleSpace.range();
      let n = 0;
      for (const row of await tx.getRange(r.begin, r.end, { limit })) {
        const w = decodeJson<ThrottleWindow>(row.value);
        if (nowMs >= w.windowStartMs + w.windowMs) {
          tx.clear(row.key);
          n++;
        }
      }
      return n;
    });
  }
}
