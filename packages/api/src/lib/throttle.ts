import { newId, type ThrottleLimit } from "@hearth/db";
import type { Context } from "../context";
import { ThrottledError } from "../errors";

/**
 * The counters sign-in attempts are held to. Each is a fixed window in the store, so every
 * server of a cluster sees the same counts.
 *
 * Logins are counted per (email, IP) pair and per IP, so a guesser is stopped without
 * locking the owner out from their own address; the per-email counter is far higher and
 * only wide, distributed guessing reaches it.
 */
export type ThrottleRuleName =
  | "loginPerEmailAndIp"
  | "loginPerIp"
  | "loginPerEmail"
  | "registerPerIp"
  | "passwordResetPerIp"
  | "passwordResetPerEmail"
  | "changePasswordPerUser"
  | "changePasswordPerIp";

export interface ThrottleRule {
  max: number;
  windowMs: number;
}

export type ThrottleRules = Record<ThrottleRuleName, ThrottleRule>;

const MINUTE = 60_000;

export const DEFAULT_THROTTLE_RULES: Readonly<ThrottleRules> = Object.freeze({
  loginPerEmailAndIp: { max: 10, windowMs: 15 * MINUTE },
  loginPerIp: { max: 50, windowMs: 15 * MINUTE },
  loginPerEmail: { max: 200, windowMs: 15 * MINUTE },
  // Every registration counts, successful ones too: accounts per IP per hour.
  registerPerIp: { max: 20, windowMs: 60 * MINUTE },
  passwordResetPerIp: { max: 10, windowMs: 15 * MINUTE },
  passwordResetPerEmail: { max: 5, windowMs: 15 * MINUTE },
  changePasswordPerUser: { max: 10, windowMs: 15 * MINUTE },
  changePasswordPerIp: { max: 50, windowMs: 15 * MINUTE },
});

/** The counter of one rule for one subject (an IP, an email, a user id, or a pair). */
function limit(
  rules: ThrottleRules,
  rule: ThrottleRuleName,
  ...subject: Array<string | undefined>
): ThrottleLimit {
  const key = subject.map((s) => (s ? s.trim().toLowerCase() : "unknown")).join(" ");
  return { bucket: rule, key, ...rules[rule] };
}

type Ctx = Pick<Context, "repos" | "now" | "config">;

/** The counters of one attempt of a flow. */
export function loginLimits(ctx: Ctx, email: string, ip: string): ThrottleLimit[] {
  const r = ctx.config.throttle;
  return [
    limit(r, "loginPerEmailAndIp", email, ip),
    limit(r, "loginPerIp", ip),
    limit(r, "loginPerEmail", email),
  ];
}

export function registerLimits(ctx: Ctx, ip: string): ThrottleLimit[] {
  return [limit(ctx.config.throttle, "registerPerIp", ip)];
}

export function passwordResetLimits(ctx: Ctx, email: string, ip: string): ThrottleLimit[] {
  const r = ctx.config.throttle;
  return [limit(r, "passwordResetPerIp", ip), limit(r, "passwordResetPerEmail", email)];
}

export function changePasswordLimits(ctx: Ctx, userId: string, ip: string): ThrottleLimit[] {
  const r = ctx.config.throttle;
  return [limit(r, "changePasswordPerUser", userId), limit(r, "changePasswordPerIp", ip)];
}

/** An attempt that was counted, to be taken back if it turns out not to be a failure. */
export interface CountedAttempt {
  limits: readonly ThrottleLimit[];
  hitId: string;
}

/**
 * Counts one attempt against every limit before any work is done, or refuses it
 * (TOO_MANY_REQUESTS with the seconds until the full window ends) when one is full. Count
 * and check are one transaction, so parallel requests and the calls of a batch can never
 * pass a limit together.
 */
export async function countAttempt(
  ctx: Ctx,
  limits: readonly ThrottleLimit[],
): Promise<CountedAttempt> {
  const nowMs = ctx.now().getTime();
  // Made outside the transaction, so a retried commit recognises its own hit.
  const hitId = newId(nowMs);
  const taken = await ctx.repos.throttle.take(limits, hitId, nowMs);
  if (!taken.allowed) {
    throw new ThrottledError(Math.max(1, Math.ceil((taken.retryAtMs - nowMs) / 1000)));
  }
  return { limits, hitId };
}

/** Takes a counted attempt back from the given counters (default: all of them). */
export async function refundAttempt(
  ctx: Pick<Context, "repos">,
  attempt: CountedAttempt,
  only: (limit: ThrottleLimit) => boolean = () => true,
): Promise<void> {
  await ctx.repos.throttle.refund(attempt.limits.filter(only), attempt.hitId);
}

/** Forgets a counter altogether (a login that succeeded clears its pair's failures). */
export async function clearLimit(ctx: Pick<Context, "repos">, l: ThrottleLimit): Promise<void> {
  await ctx.repos.throttle.reset(l.bucket, l.key);
}
