import { ZPassword } from "@hearth/auth";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { requireCookieTransport } from "../../lib/cookies";
import { publicProcedure } from "../../trpc";

export const ZResetPasswordInput = z.object({
  token: z.string().min(1).max(200),
  newPassword: ZPassword,
});

/** Uses a reset link: sets the new password and signs out every device. */
export const resetPassword = publicProcedure
  .input(ZResetPasswordInput)
  .mutation(async ({ ctx, input }) => {
    requireCookieTransport(ctx, "auth.resetPassword");
    await ctx.auth.resetPassword(input, clientOf(ctx));
    return { ok: true as const };
  });
