import { type AuthContext, bearerToken, type ClientInfo } from "@hearth/auth";
import type { Role } from "@hearth/db";
import { TRPCError } from "@trpc/server";
import type { Context } from "../context";
import { toTRPCError } from "../errors";

/** The signed-in caller, as every authed procedure sees it. */
export interface SessionUser {
  id: string;
  /** The tenant the access token acts in; every id is resolved inside it. */
  tenantId: string;
  /** The caller's role in that tenant now (read per request, not taken from the token). */
  role: Role;
  sessionId: string;
  tokenFamily: string;
  /** What the auth flows take. */
  auth: AuthContext;
}

function unauthorized(): TRPCError {
  return new TRPCError({
    code: "UNAUTHORIZED",
    message: "You are not signed in, or your session has ended.",
  });
}

/**
 * Checks the access token (signature, expiry, issuer, audience), that its auth session is
 * still active, and the caller's current membership of the token's tenant — all in
 * AuthService.authenticate: a removed or demoted member loses access on the very next
 * request, not at token expiry.
 */
export async function authenticate(ctx: Context): Promise<SessionUser> {
  let auth: AuthContext | null;
  try {
    auth = await ctx.auth.authenticate(bearerToken(ctx.req.authorization));
  } catch (err) {
    // The store failing (overloaded, timed out...) is the store's error, not a refusal.
    throw toTRPCError(err) ?? err;
  }
  if (!auth) throw unauthorized();
  return {
    id: auth.userId,
    tenantId: auth.tenantId,
    role: auth.role,
    sessionId: auth.sessionId,
    tokenFamily: auth.tokenFamily,
    auth,
  };
}

export function clientOf(ctx: Pick<Context, "req">): ClientInfo {
  return { ip: ctx.req.ip, userAgent: ctx.req.userAgent };
}
