import { StoreError } from "./errors";
import { LIMITS, type Transaction } from "./types";

/**
 * FoundationDB refuses transactions older than 5 s; so does this backend. Every operation
 * checks the transaction's age (see SqliteTransaction); this catches the function that
 * stops calling the store, waiting on something else, so its group is not held. One timer,
 * alive while the store has work, watches whichever transaction is running (a timer per
 * transaction costs more than a small transaction itself). The running transaction's
 * promise is the only thing it holds: racing every transaction against one long-lived
 * deadline promise would leave a reaction on that promise per transaction until the
 * store went idle, which under steady load is never.
 */
export class Watchdog {
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
