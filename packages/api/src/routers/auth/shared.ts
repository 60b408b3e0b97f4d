import type { SignInResult } from "@hearth/auth";
import { ZEmail } from "@hearth/db";
import { z } from "zod";
import type { Context } from "../../context";
import { setRefreshCookie } from "../../lib/cookies";
import { toTenantOutput, toUserOutput } from "../../lib/outputs";

/** Emails are trimmed and compared case-insensitively (the store's index lower-cases). */
export const ZEmailInput = z.string().trim().pipe(ZEmail);

/** What a sign-in answers; the refresh token goes into the httpOnly cookie only. */
export function signedIn(ctx: Pick<Context, "req" | "res" | "config">, result: SignInResult) {
  setRefreshCookie(ctx, result.refreshToken);
  return {
    user: toUserOutput(result.user),
    tenant: toTenantOutput(result.tenant),
    role: result.role,
    accessToken: result.accessToken,
    accessTokenExpiresAt: result.accessTokenExpiresAt.toISOString(),
  };
}
