import { z } from "zod";
import { authedProcedure } from "../../trpc";

export const ZResendVerificationInput = z.object({}).optional();

/** Mails a new verification link (nothing is sent once the email is verified). */
export const resendVerification = authedProcedure
  .input(ZResendVerificationInput)
  .mutation(async ({ ctx }) => {
    const { sent } = await ctx.auth.resendVerification(ctx.user.auth);
    return { sent };
  });
