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

/** One counter a throttled attempt counts against, and how many it allows per window. */
export interface ThrottleLimit {
  bucket: string;
  key: string;
  max: number;
  windowMs: number;
}

export type ThrottleTake =
  | { allowed: true }
  /** A counter was full: nothing was counted; `retryAtMs` is when the last full one ends. */
  | { allowed: false; retryAtMs: number };

export interface ThrottleState {
  /** Hits in the current window, this one included. */
  count: number;
  /** When the current window ends (ms since epoch). */
  resetAtMs: number;
}

/**
 * Ids of recent attempts kept per counter: enough for a retried commit to find its own,
 * and for the attempts in flight at once on one counter to be refunded.
 */
const HIT_IDS_KEPT = 64;

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

  /**
   * Counts attempt `hitId` against every limit, or against none when any is full, in one
   * transaction: concurrent attempts (parallel requests, the calls of one batch) are
   * serialized by the store, so no more than `max` of them ever pass a limit. A retry of
   * a commit that did apply finds its id and counts nothing more.
   */
  async take(
    limits: readonly ThrottleLimit[],
    hitId: string,
    nowMs: number,
  ): Promise<ThrottleTake> {
    const keys = limits.map((l) => globalKeys.throttle(l.bucket, l.key));
    return transact(this.store, async (tx) => {
      const windows = await Promise.all(keys.map((k) => getJson<ThrottleWindow>(tx, k)));
      if (windows.some((w) => w?.hits.includes(hitId))) return { allowed: true };
      let retryAtMs = 0;
      const next = limits.map((limit, i): ThrottleWindow => {
        const w = windows[i];
        const live = w && nowMs < w.windowStartMs + w.windowMs && w.windowMs === limit.windowMs;
        if (live && w.count >= limit.max) {
          retryAtMs = Math.max(retryAtMs, w.windowStartMs + w.windowMs);
        }
        return live
          ? { ...w, count: w.count + 1, hits: [hitId, ...w.hits.slice(0, HIT_IDS_KEPT - 1)] }
          : { windowStartMs: nowMs, windowMs: limit.windowMs, count: 1, hits: [hitId] };
      });
      if (retryAtMs > 0) return { allowed: false, retryAtMs };
      for (const [i, w] of next.entries()) tx.set(keys[i]!, encodeJson(w));
      return { allowed: true };
    });
  }

  /**
   * Takes back attempt `hitId` from each counter that still holds it (an attempt that
   * succeeded, so only failures stay counted). Counters whose window has moved on, or
   * that no longer remember the id, are left alone: a refund never lowers a count below
   * what failed.
   */
  async refund(
    limits: ReadonlyArray<Pick<ThrottleLimit, "bucket" | "key">>,
    hitId: string,
  ): Promise<void> {
    const keys = limits.map((l) => globalKeys.throttle(l.bucket, l.key));
    await transact(this.store, async (tx) => {
      const windows = await Promise.all(keys.map((k) => getJson<ThrottleWindow>(tx, k)));
      for (const [i, w] of windows.entries()) {
        if (!w?.hits.includes(hitId)) continue;
        const hits = w.hits.filter((h) => h !== hitId);
        tx.set(keys[i]!, encodeJson({ ...w, count: Math.max(0, w.count - 1), hits }));
      }
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
