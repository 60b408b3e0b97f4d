/** Errors carrying FoundationDB's numeric codes, so callers handle every backend alike. */
export const FDB_ERROR = {
  transaction_too_old: 1007,
  not_committed: 1020,
  commit_unknown_result: 1021,
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
