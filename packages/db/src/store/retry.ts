import { isRetryable } from "./errors";
import type { TransactOptions } from "./types";

const DEFAULT_MAX_ATTEMPTS = 50;

/**
 * Runs attempt() until it succeeds or throws a non-retryable error, backing off with
 * full jitter (as FoundationDB's bindings do) so contending callers spread out.
 */
export function withRetry<T>(attempt: () => Promise<T>, opts?: TransactOptions): Promise<T> {
  // The first attempt almost always succeeds: no async frame around it.
  return attempt().catch((err: unknown) => {
    const maxAttempts = opts?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!isRetryable(err) || maxAttempts <= 1) throw err;
    return retryAfterFirst(attempt, maxAttempts);
  });
}

async function retryAfterFirst<T>(attempt: () => Promise<T>, maxAttempts: number): Promise<T> {
  let backoffMs = 1;
  for (let n = 2; ; n++) {
    await sleep(Math.random() * backoffMs);
    backoffMs = Math.min(backoffMs * 2, 1000);
    try {
      return await attempt();
    } catch (err) {
      if (!isRetryable(err) || n >= maxAttempts) throw err;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return ms < 1 ? new Promise((r) => setImmediate(r)) : new Promise((r) => setTimeout(r, ms));
}
