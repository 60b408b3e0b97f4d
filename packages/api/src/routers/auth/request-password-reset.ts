import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { assertNotThrottled, recordFailure } from "../../lib/throttle";
import { publicProcedure } from "../../trpc";
import { ZEmailInput } from "./shared";

export const ZRequestPasswordResetInput = z.object({ email: ZEmailInput });

/**
 * Mails a reset link when the email belongs to a user. The answer is the same either way;
 * every request counts against the IP and the email, so nobody can mail-bomb an inbox.
 */
export const requestPasswordReset = publicProcedure
  .input(ZRequestPasswordResetInput)
  .mutation(async ({ ctx, input }) => {
    const who = { ip: ctx.req.ip, account: input.email };
    await assertNotThrottled(ctx, "password_reset", who);
    await recordFailure(ctx, "password_reset", who);
    await ctx.auth.requestPasswordReset(input, clientOf(ctx));
    return { ok: true as const };
  });
