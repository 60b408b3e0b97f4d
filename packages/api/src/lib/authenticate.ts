import {
  type AccessTokenClaims,
  type AuthContext,
  bearerToken,
  type ClientInfo,
} from "@hearth/auth";
import type { Role, Transaction } from "@hearth/db";
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
    auth = await ctx.auth.authenticate(tokenOf(ctx));
  } catch (err) {
    // The store failing (overloaded, timed out...) is the store's error, not a refusal.
    throw toTRPCError(err) ?? err;
  }
  return sessionUserOf(auth);
}

/** The access token's claims (signature, expiry, issuer, audience); nothing is read. */
export async function verifyAccess(ctx: Context): Promise<Readonly<AccessTokenClaims>> {
  const claims = await ctx.auth.verifyAccessToken(tokenOf(ctx));
  if (!claims) throw unauthorized();
  return claims;
}

/**
 * authenticate's session and membership check for verified claims, inside `tx`. Store
 * errors pass through as they are: the transaction retries the retryable ones, and the
 * error mapping turns the rest into tRPC errors.
 */
export async function authenticateIn(
  ctx: Context,
  tx: Transaction,
  claims: Readonly<AccessTokenClaims>,
): Promise<SessionUser> {
  return sessionUserOf(await ctx.auth.authenticateIn(tx, claims));
}

function tokenOf(ctx: Context): string | null {
  return bearerToken(ctx.req.authorization);
}

function sessionUserOf(auth: AuthContext | null): SessionUser {
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
