import { clearRefreshCookie, readRefreshCookie, serializeRefreshCookie } from "@hearth/auth";
import { TRPCError } from "@trpc/server";
import type { Context } from "../context";

type Ctx = Pick<Context, "req" | "res" | "config">;

/** `Secure` whenever people reach Hearth over https, also behind a proxy speaking HTTP. */
function secure(ctx: Ctx): boolean {
  return ctx.config.secureCookies || ctx.req.protocol === "https";
}

/**
 * Refuses a procedure that sets or clears the refresh cookie when it came over the
 * WebSocket, whose handshake was answered long ago: a refresh there would rotate the family
 * without the browser ever getting the new cookie, and its next refresh would look like a
 * stolen token's reuse. Called first, before anything is counted or changed.
 */
export function requireCookieTransport(ctx: Pick<Context, "req">, procedure: string): void {
  if (ctx.req.transport !== "websocket") return;
  throw new TRPCError({
    code: "BAD_REQUEST",
    message: `${procedure} sets the sign-in cookie, which a WebSocket cannot carry: call it over HTTP (POST /api/trpc/${procedure}).`,
  });
}

/** The refresh token travels only as an httpOnly cookie. */
export function setRefreshCookie(ctx: Ctx, refreshToken: string): void {
  ctx.res.setCookie(serializeRefreshCookie(refreshToken, { secure: secure(ctx) }));
}

export function clearRefreshCookieOn(ctx: Ctx): void {
  ctx.res.setCookie(clearRefreshCookie({ secure: secure(ctx) }));
}

export function refreshTokenFrom(ctx: Pick<Context, "req">): string | null {
  return readRefreshCookie(ctx.req.cookie);
}
