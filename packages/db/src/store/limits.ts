import { StoreError } from "./errors";
import { type Bytes, LIMITS } from "./types";

/** Counts a transaction's write bytes and rejects what FoundationDB would reject. */
export class WriteBudget {
  bytes = 0;

  checkKey(key: Bytes): void {
    if (!Buffer.isBuffer(key)) throw new TypeError("keys are Buffers");
    if (key.length > LIMITS.keyBytes) {
      throw new StoreError("key_too_large", `key of ${key.length} B exceeds ${LIMITS.keyBytes} B`);
    }
  }

  onSet(key: Bytes, value: Bytes): void {
    this.checkKey(key);
    if (!Buffer.isBuffer(value)) throw new TypeError("values are Buffers");
    if (value.length > LIMITS.valueBytes) {
      throw new StoreError(
        "value_too_large",
        `value of ${value.length} B exceeds ${LIMITS.valueBytes} B`,
      );
    }
    this.add(key.length + value.length);
  }

  /** A range clear: refused, as FoundationDB refuses it, when begin sorts after end. */
  onClearRange(begin: Bytes, end: Bytes): void {
    this.onClear(begin, end);
    if (Buffer.compare(begin, end) > 0) {
      throw new StoreError("inverted_range", "clearRange: the begin key sorts after the end key");
    }
  }

  onClear(...keys: Bytes[]): void {
    for (const k of keys) this.checkKey(k);
    this.add(keys.reduce((n, k) => n + k.length, 0));
  }

  private add(n: number): void {
    this.bytes += n;
    if (this.bytes > LIMITS.transactionBytes) {
      throw new StoreError(
        "transaction_too_large",
        `transaction writes exceed ${LIMITS.transactionBytes} B`,
      );
    }
  }
}
