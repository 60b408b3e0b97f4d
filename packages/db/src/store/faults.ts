import { StoreError } from "./errors";
import { withRetry } from "./retry";
import type { Bytes, Store, Transaction, TransactOptions } from "./types";

/** A backend that can run a single attempt of a transaction without retrying it. */
export interface AttemptStore extends Store {
  transactOnce<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

/**
 * How an attempt can fail on a FoundationDB cluster:
 * - notCommitted: a conflict at commit, nothing applied (1020);
 * - commitUnknown: applied, but the caller is told the outcome is unknown (1021);
 * - commitUnknownNotApplied: the same answer (1021) for an attempt that did not apply;
 * - tooOld: a read in the middle of the attempt fails with transaction_too_old (1007).
 */
export type FaultKind = "notCommitted" | "commitUnknown" | "commitUnknownNotApplied" | "tooOld";

export interface FaultOptions {
  seed: number;
  /** Probability that an attempt fails with not_committed before it commits. */
  notCommitted?: number;
  /** Probability that an attempt commits and then reports commit_unknown_result. */
  commitUnknown?: number;
  /** Probability that an attempt does not commit and reports commit_unknown_result. */
  commitUnknownNotApplied?: number;
  /** Probability that the first read of an attempt fails with transaction_too_old. */
  tooOld?: number;
  /** The faults of the first attempts, in order (null: none); the probabilities apply after. */
  schedule?: Array<FaultKind | null>;
  /**
   * Runs after an injected fault, before the error reaches the retry loop: what other
   * clients do between an attempt and its retry.
   */
  afterFault?: (kind: FaultKind) => Promise<void> | void;
}

export interface FaultCounts {
  attempts: number;
  notCommitted: number;
  commitUnknown: number;
  commitUnknownNotApplied: number;
  tooOld: number;
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

const MESSAGES: Record<FaultKind, [ConstructorParameters<typeof StoreError>[0], string]> = {
  notCommitted: ["not_committed", "injected conflict"],
  commitUnknown: ["commit_unknown_result", "injected unknown commit result (applied)"],
  commitUnknownNotApplied: [
    "commit_unknown_result",
    "injected unknown commit result (not applied)",
  ],
  tooOld: ["transaction_too_old", "injected transaction_too_old on a read"],
};

/**
 * Wraps a backend so chosen attempts fail the way a FoundationDB cluster can (FaultKind).
 * The retry loop above it then has to cope, exactly as against a real cluster. Faults are
 * counted once per attempt that threw one, outside the transaction body, so a backend
 * that runs a body again does not inflate them.
 */
export class FaultyStore implements AttemptStore {
  readonly counts: FaultCounts = {
    attempts: 0,
    notCommitted: 0,
    commitUnknown: 0,
    commitUnknownNotApplied: 0,
    tooOld: 0,
  };
  private readonly random: () => number;
  private readonly schedule: Array<FaultKind | null>;

  constructor(
    private readonly inner: AttemptStore,
    private readonly opts: FaultOptions,
  ) {
    this.random = seededRandom(opts.seed);
    this.schedule = [...(opts.schedule ?? [])];
  }

  get kind() {
    return this.inner.kind;
  }

  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T> {
    return withRetry(() => this.transactOnce(fn), opts);
  }

  /** The fault of the next attempt, if any. */
  private nextFault(): FaultKind | null {
    if (this.schedule.length > 0) return this.schedule.shift()!;
    const roll = this.random();
    let edge = 0;
    for (const kind of [
      "notCommitted",
      "commitUnknown",
      "commitUnknownNotApplied",
      "tooOld",
    ] as const) {
      edge += this.opts[kind] ?? 0;
      if (roll < edge) return kind;
    }
    return null;
  }

  async transactOnce<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.counts.attempts++;
    const fault = this.nextFault();
    if (fault === null) return this.inner.transactOnce(fn);
    const [name, message] = MESSAGES[fault];
    const injected = new StoreError(name, message);
    try {
      const result = await this.inner.transactOnce(async (tx) => {
        const value = await fn(fault === "tooOld" ? failingFirstRead(tx, injected) : tx);
        if (fault === "notCommitted" || fault === "commitUnknownNotApplied") throw injected;
        return value;
      });
      if (fault === "commitUnknown") throw injected;
      return result;
    } catch (err) {
      if (err === injected) {
        this.counts[fault]++;
        await this.opts.afterFault?.(fault);
      }
      throw err;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** `tx` whose first read fails with `err`. */
function failingFirstRead(tx: Transaction, err: StoreError): Transaction {
  let fired = false;
  const fail = <T>(read: () => Promise<T>): Promise<T> => {
    if (fired) return read();
    fired = true;
    return Promise.reject(err);
  };
  return {
    get: (key: Bytes) => fail(() => tx.get(key)),
    getRange: (begin, end, opts) => fail(() => tx.getRange(begin, end, opts)),
    set: (key, value) => tx.set(key, value),
    clear: (key) => tx.clear(key),
    clearRange: (begin, end) => tx.clearRange(begin, end),
    add: (key, delta) => tx.add(key, delta),
  };
}

export function withFaults(store: AttemptStore, opts: FaultOptions): FaultyStore {
  return new FaultyStore(store, opts);
}
