import { AuthError } from "@hearth/auth";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { requireCookieTransport } from "../../lib/cookies";
import { clearLimit, countAttempt, loginLimits, refundAttempt } from "../../lib/throttle";
import { publicProcedure } from "../../trpc";
import { signedIn, ZEmailInput } from "./shared";

export const ZLoginInput = z.object({
  email: ZEmailInput,
  password: z.string().min(1).max(256),
});

/**
 * Email and password. Every attempt is counted before the password is checked (per email
 * and IP, per IP, and per email); a success takes its count back and clears its pair's.
 */
export const login = publicProcedure.input(ZLoginInput).mutation(async ({ ctx, input }) => {
  requireCookieTransport(ctx, "auth.login");
  const attempt = await countAttempt(ctx, loginLimits(ctx, input.email, ctx.req.ip));
  let result: Awaited<ReturnType<typeof ctx.auth.login>>;
  try {
    result = await ctx.auth.login(input, clientOf(ctx));
  } catch (err) {
    // Only wrong passwords count: a store failure is not the caller's guess.
    if (!(err instanceof AuthError)) await refundAttempt(ctx, attempt);
    throw err;
  }
  await refundAttempt(ctx, attempt);
  await clearLimit(ctx, attempt.limits[0]!);
  return signedIn(ctx, result);
});
