import type { Context } from "../context";
import { ThrottledError } from "../errors";

/** Flows whose failures are counted: guessing passwords, probing emails, mail bombing. */
export type ThrottledFlow = "login" | "register" | "password_reset" | "change_password";

/** Who a failure is counted against: the client's IP and the account it aimed at. */
export interface ThrottleSubjects {
  ip: string;
  /** An email or user id; compared case-insensitively. */
  account?: string | undefined;
}

function buckets(flow: ThrottledFlow, who: ThrottleSubjects): Array<[string, string]> {
  const out: Array<[string, string]> = [[`${flow}:ip`, who.ip || "unknown"]];
  if (who.account) out.push([`${flow}:account`, who.account.trim().toLowerCase()]);
  return out;
}

/**
 * Refuses the call (TOO_MANY_REQUESTS with the seconds until the window ends) when the IP
 * or the account has used up its failures. Counters live in the store, so every server
 * of a cluster sees the same counts.
 */
export async function assertNotThrottled(
  ctx: Pick<Context, "repos" | "now" | "config">,
  flow: ThrottledFlow,
  who: ThrottleSubjects,
): Promise<void> {
  const nowMs = ctx.now().getTime();
  const { maxFailures } = ctx.config.throttle;
  let resetAtMs = 0;
  for (const [bucket, key] of buckets(flow, who)) {
    const state = await ctx.repos.throttle.peek(bucket, key, nowMs);
    if (state.count >= maxFailures) resetAtMs = Math.max(resetAtMs, state.resetAtMs);
  }
  if (resetAtMs > 0) {
    throw new ThrottledError(Math.max(1, Math.ceil((resetAtMs - nowMs) / 1000)));
  }
}

/** Counts one failure (or one attempt, for flows limited by attempts) against each subject. */
export async function recordFailure(
  ctx: Pick<Context, "repos" | "now" | "config">,
  flow: ThrottledFlow,
  who: ThrottleSubjects,
): Promise<void> {
  const nowMs = ctx.now().getTime();
  const { windowMs } = ctx.config.throttle;
  for (const [bucket, key] of buckets(flow, who)) {
    await ctx.repos.throttle.hit(bucket, key, windowMs, nowMs);
  }
}

/** A success clears the account's failures (the IP's stay: it may be guessing others). */
export async function clearAccountFailures(
  ctx: Pick<Context, "repos">,
  flow: ThrottledFlow,
  account: string,
): Promise<void> {
  await ctx.repos.throttle.reset(`${flow}:account`, account.trim().toLowerCase());
}
