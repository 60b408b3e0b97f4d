import { AuthError, ZPassword } from "@hearth/auth";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { requireCookieTransport } from "../../lib/cookies";
import { changePasswordLimits, countAttempt, refundAttempt } from "../../lib/throttle";
import { authedProcedure } from "../../trpc";

export const ZChangePasswordInput = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: ZPassword,
});

/**
 * Checks the current password and sets the new one; every other device is signed out.
 * Wrong current passwords are throttled like logins, so a stolen access token cannot be
 * used to guess the password.
 */
export const changePassword = authedProcedure
  .input(ZChangePasswordInput)
  .mutation(async ({ ctx, input }) => {
    requireCookieTransport(ctx, "auth.changePassword");
    const attempt = await countAttempt(ctx, changePasswordLimits(ctx, ctx.user.id, ctx.req.ip));
    try {
      await ctx.auth.changePassword(ctx.user.auth, input, clientOf(ctx));
    } catch (err) {
      if (!(err instanceof AuthError)) await refundAttempt(ctx, attempt);
      throw err;
    }
    await refundAttempt(ctx, attempt);
    return { ok: true as const };
  });
