import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { clearRefreshCookieOn } from "../../lib/cookies";
import { authedProcedure } from "../../trpc";

export const ZLogoutAllInput = z.object({}).optional();

/** Ends every token family of the user, on every device and in every tenant. */
export const logoutAll = authedProcedure.input(ZLogoutAllInput).mutation(async ({ ctx }) => {
  await ctx.auth.logoutAll(ctx.user.auth, clientOf(ctx));
  clearRefreshCookieOn(ctx);
  return { ok: true as const };
});
