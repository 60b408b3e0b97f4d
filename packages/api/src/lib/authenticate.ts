import { type AuthContext, bearerToken, type ClientInfo } from "@hearth/auth";
import { type Role, ZRecordId } from "@hearth/db";
import { TRPCError } from "@trpc/server";
import type { Context } from "../context";

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
 * Checks the access token (signature, expiry, issuer, audience) and that its auth session
 * is still active, then reads the caller's current membership of the token's tenant: a
 * removed or demoted member loses access on the very next request, not at token expiry.
 */
export async function authenticate(ctx: Context): Promise<SessionUser> {
  const token = bearerToken(ctx.req.authorization);
  if (!token) throw unauthorized();
  // The membership read starts alongside the token check, keyed by the token's claims as
  // sent; it is used only if the verified claims name the same user and tenant.
  const claimed = unverifiedSubject(token);
  const [auth, prefetched] = await Promise.all([
    ctx.auth.authenticate(token),
    claimed ? ctx.repos.users.getMembership(claimed.tid, claimed.sub) : null,
  ]);
  if (!auth) throw unauthorized();
  const membership =
    claimed && claimed.tid === auth.tenantId && claimed.sub === auth.userId
      ? prefetched
      : await ctx.repos.users.getMembership(auth.tenantId, auth.userId);
  if (!membership) throw unauthorized();
  return {
    id: auth.userId,
    tenantId: auth.tenantId,
    role: membership.role,
    sessionId: auth.sessionId,
    tokenFamily: auth.tokenFamily,
    auth: { ...auth, role: membership.role },
  };
}

/** `sub` and `tid` of a JWT's payload, unverified: only ever a hint for prefetching. */
function unverifiedSubject(token: string): { sub: string; tid: string } | null {
  const payload = token.split(".")[1];
  if (!payload || payload.length > 4096) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    if (!claims || typeof claims !== "object") return null;
    const { sub, tid } = claims as Record<string, unknown>;
    if (!isRecordId(sub) || !isRecordId(tid)) return null;
    return { sub, tid };
  } catch {
    return null;
  }
}

function isRecordId(v: unknown): v is string {
  return typeof v === "string" && ZRecordId.safeParse(v).success;
}

export function clientOf(ctx: Pick<Context, "req">): ClientInfo {
  return { ip: ctx.req.ip, userAgent: ctx.req.userAgent };
}
