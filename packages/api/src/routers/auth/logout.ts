import { AuthError, bearerToken } from "@hearth/auth";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { clearRefreshCookieOn, refreshTokenFrom, requireCookieTransport } from "../../lib/cookies";
import { requireSameOrigin } from "../../lib/csrf";
import { publicProcedure } from "../../trpc";

export const ZLogoutInput = z.object({}).optional();

/**
 * Ends the current token family. With a valid access token that is its family; with
 * only the refresh cookie (the access token has expired) it is the cookie's family,
 * which, being cookie-authenticated, needs Hearth's own Origin.
 */
export const logout = publicProcedure.input(ZLogoutInput).mutation(async ({ ctx }) => {
  requireCookieTransport(ctx, "auth.logout");
  const client = clientOf(ctx);
  const token = bearerToken(ctx.req.authorization);
  const auth = token ? await ctx.auth.authenticate(token) : null;
  if (auth) {
    await ctx.auth.logout(auth, client);
  } else {
    const cookie = refreshTokenFrom(ctx);
    if (!cookie) throw new AuthError();
    requireSameOrigin(ctx);
    await ctx.auth.logoutWithRefreshToken(cookie, client);
  }
  clearRefreshCookieOn(ctx);
  return { ok: true as const };
});
