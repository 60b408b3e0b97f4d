import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { toUserOutput } from "../../lib/outputs";
import { publicProcedure } from "../../trpc";

export const ZVerifyEmailInput = z.object({ token: z.string().min(1).max(200) });

/** Uses the link mailed at registration: the email is verified. Single use, 1 hour. */
export const verifyEmail = publicProcedure
  .input(ZVerifyEmailInput)
  .mutation(async ({ ctx, input }) => {
    const user = await ctx.auth.verifyEmail(input, clientOf(ctx));
    return { user: toUserOutput(user) };
  });
