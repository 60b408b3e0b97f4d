import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { countAttempt, passwordResetLimits } from "../../lib/throttle";
import { publicProcedure } from "../../trpc";
import { ZEmailInput } from "./shared";

export const ZRequestPasswordResetInput = z.object({ email: ZEmailInput });

/**
 * Mails a reset link when the email belongs to a user. The answer is the same either way;
 * every request counts against the IP and the email before anything is mailed, so nobody
 * can mail-bomb an inbox, not even with parallel or batched requests.
 */
export const requestPasswordReset = publicProcedure
  .input(ZRequestPasswordResetInput)
  .mutation(async ({ ctx, input }) => {
    await countAttempt(ctx, passwordResetLimits(ctx, input.email, ctx.req.ip));
    await ctx.auth.requestPasswordReset(input, clientOf(ctx));
    return { ok: true as const };
  });
