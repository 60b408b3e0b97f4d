import { clearRefreshCookie, readRefreshCookie, serializeRefreshCookie } from "@hearth/auth";
import type { Context } from "../context";

type Ctx = Pick<Context, "req" | "res">;

/** The refresh token travels only as an httpOnly cookie, `Secure` over https. */
export function setRefreshCookie(ctx: Ctx, refreshToken: string): void {
  ctx.res.setCookie(serializeRefreshCookie(refreshToken, { secure: ctx.req.protocol === "https" }));
}

export function clearRefreshCookieOn(ctx: Ctx): void {
  ctx.res.setCookie(clearRefreshCookie({ secure: ctx.req.protocol === "https" }));
}

export function refreshTokenFrom(ctx: Pick<Context, "req">): string | null {
  return readRefreshCookie(ctx.req.cookie);
}
