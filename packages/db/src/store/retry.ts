import { isRetryable } from "./errors";
import type { TransactOptions } from "./types";

const DEFAULT_MAX_ATTEMPTS = 50;

/**
 * Runs attempt() until it succeeds or throws a non-retryable error, backing off with
 * full jitter (as FoundationDB's bindings do) so contending callers spread out.
 */
export async function withRetry<T>(attempt: () => Promise<T>, opts?: TransactOptions): Promise<T> {
  const maxAttempts = opts?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  let backoffMs = 1;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isRetryable(err) || n >= maxAttempts) throw err;
      await sleep(Math.random() * backoffMs);
      backoffMs = Math.min(backoffMs * 2, 1000);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return ms < 1 ? new Promise((r) => setImmediate(r)) : new Promise((r) => setTimeout(r, ms));
}
