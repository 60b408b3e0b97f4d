import { AuthError } from "@hearth/auth";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import {
  clearRefreshCookieOn,
  refreshTokenFrom,
  requireCookieTransport,
  setRefreshCookie,
} from "../../lib/cookies";
import { requireSameOrigin } from "../../lib/csrf";
import { publicProcedure } from "../../trpc";

export const ZRefreshInput = z.object({}).optional();

/**
 * A new access token from the refresh cookie, which rotates. Cookie-authenticated, so
 * the request must come from Hearth's own origin.
 */
export const refresh = publicProcedure.input(ZRefreshInput).mutation(async ({ ctx }) => {
  requireCookieTransport(ctx, "auth.refresh");
  requireSameOrigin(ctx);
  const token = refreshTokenFrom(ctx);
  if (!token) throw new AuthError();
  let result: Awaited<ReturnType<typeof ctx.auth.refresh>>;
  try {
    result = await ctx.auth.refresh(token, clientOf(ctx));
  } catch (err) {
    // A refused token is of no further use to the browser.
    if (err instanceof AuthError) clearRefreshCookieOn(ctx);
    throw err;
  }
  // Within the grace window no new refresh token is issued: the cookie stays as it is.
  if (result.refreshToken) setRefreshCookie(ctx, result.refreshToken);
  return {
    accessToken: result.accessToken,
    accessTokenExpiresAt: result.accessTokenExpiresAt.toISOString(),
  };
});
