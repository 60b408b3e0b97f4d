import { z } from "zod";
import { toUserOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";

export const ZUpdateProfileInput = z.object({
  firstName: z.string().trim().min(1).max(100),
  lastName: z.string().trim().max(100),
});

/** The caller's name, as every tenant they belong to shows it. */
export const updateProfile = authedProcedure
  .input(ZUpdateProfileInput)
  .mutation(async ({ ctx, input }) =>
    toUserOutput(await ctx.repos.users.update(ctx.user.id, { ...input, now: ctx.now() })),
  );
