import { StoreError } from "./errors";
import { withRetry } from "./retry";
import type { Store, Transaction, TransactOptions } from "./types";

/** A backend that can run a single attempt of a transaction without retrying it. */
export interface AttemptStore extends Store {
  transactOnce<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

export interface FaultOptions {
  seed: number;
  /** Probability that an attempt fails with not_committed before it commits. */
  notCommitted?: number;
  /** Probability that an attempt commits and then reports commit_unknown_result. */
  commitUnknown?: number;
}

export interface FaultCounts {
  attempts: number;
  notCommitted: number;
  commitUnknown: number;
}

/** Deterministic PRNG (mulberry32) so a failing seed replays exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Wraps a backend so chosen attempts fail the way a FoundationDB cluster can: before
 * commit (nothing applied) or after it (applied, but the caller is told the outcome is
 * unknown). The retry loop above it then has to cope, exactly as against a real cluster.
 */
export class FaultyStore implements AttemptStore {
  readonly counts: FaultCounts = { attempts: 0, notCommitted: 0, commitUnknown: 0 };
  private readonly random: () => number;

  constructor(
    private readonly inner: AttemptStore,
    private readonly opts: FaultOptions,
  ) {
    this.random = seededRandom(opts.seed);
  }

  get kind() {
    return this.inner.kind;
  }

  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T> {
    return withRetry(() => this.transactOnce(fn), opts);
  }

  async transactOnce<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.counts.attempts++;
    const roll = this.random();
    const before = this.opts.notCommitted ?? 0;
    const after = before + (this.opts.commitUnknown ?? 0);
    const result = await this.inner.transactOnce(async (tx) => {
      const value = await fn(tx);
      if (roll < before) {
        this.counts.notCommitted++;
        throw new StoreError("not_committed", "injected conflict");
      }
      return value;
    });
    if (roll >= before && roll < after) {
      this.counts.commitUnknown++;
      throw new StoreError("commit_unknown_result", "injected unknown commit result");
    }
    return result;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function withFaults(store: AttemptStore, opts: FaultOptions): FaultyStore {
  return new FaultyStore(store, opts);
}
