/** Errors carrying FoundationDB's numeric codes, so callers handle every backend alike. */
export const FDB_ERROR = {
  transaction_too_old: 1007,
  not_committed: 1020,
  commit_unknown_result: 1021,
  /** The storage underneath failed (full disk, I/O error, out of memory): not retried. */
  io_error: 1510,
  /** A range whose begin key sorts after its end key. */
  inverted_range: 2005,
  transaction_too_large: 2101,
  key_too_large: 2102,
  value_too_large: 2103,
} as const;

export type FdbErrorName = keyof typeof FDB_ERROR;

const RETRYABLE = new Set<number>([
  FDB_ERROR.transaction_too_old,
  FDB_ERROR.not_committed,
  FDB_ERROR.commit_unknown_result,
]);

export class StoreError extends Error {
  readonly code: number;
  readonly errorName: FdbErrorName;

  constructor(name: FdbErrorName, message?: string) {
    super(message ?? name);
    this.name = "StoreError";
    this.code = FDB_ERROR[name];
    this.errorName = name;
  }

  /** Whether transact() may run the transaction again after this error. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof StoreError) return err.retryable;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" && RETRYABLE.has(code);
}

/**
 * A transaction was used after it ended: its function kept a reference and called it
 * later (an unawaited promise, a timer). A bug in the caller, never retried.
 */
export class TransactionEndedError extends Error {
  constructor(operation: string) {
    super(`${operation} on a transaction that has already ended (a call not awaited inside it?)`);
    this.name = "TransactionEndedError";
  }
}
