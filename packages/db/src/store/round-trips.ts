import type { AttemptStore } from "./faults";
import type { Transaction, TransactOptions } from "./types";

/**
 * Counts a store's read round trips: reads a transaction has in flight together count
 * once, as one network round trip to a FoundationDB cluster would. On the embedded store
 * a read costs microseconds either way; on a cluster each round trip costs one network
 * latency, so a listing must issue its independent reads together.
 */
export class RoundTripCounter implements AttemptStore {
  roundTrips = 0;

  constructor(private readonly inner: AttemptStore) {}

  get kind() {
    return this.inner.kind;
  }

  transact<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactOptions): Promise<T> {
    return this.inner.transact((tx) => fn(this.counted(tx)), opts);
  }

  transactOnce<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.inner.transactOnce((tx) => fn(this.counted(tx)));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private counted(tx: Transaction): Transaction {
    let inFlight = 0;
    const read = <T>(start: () => Promise<T>): Promise<T> => {
      if (inFlight === 0) this.roundTrips++;
      inFlight++;
      return start().finally(() => {
        inFlight--;
      });
    };
    return {
      get: (key) => read(() => tx.get(key)),
      getRange: (begin, end, opts) => read(() => tx.getRange(begin, end, opts)),
      set: (key, value) => tx.set(key, value),
      clear: (key) => tx.clear(key),
      clearRange: (begin, end) => tx.clearRange(begin, end),
      add: (key, delta) => tx.add(key, delta),
    };
  }
}
