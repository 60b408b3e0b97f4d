import { ZRecordId } from "@hearth/db";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { setRefreshCookie } from "../../lib/cookies";
import { toTenantOutput, toUserOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";

export const ZSwitchTenantInput = z.object({ tenantId: ZRecordId });

/**
 * A new sign-in scoped to another tenant the caller belongs to: new access token and
 * refresh cookie; the current family ends. Not a member is NOT_FOUND, like no such tenant.
 */
export const switchTenant = authedProcedure
  .input(ZSwitchTenantInput)
  .mutation(async ({ ctx, input }) => {
    const result = await ctx.auth.switchTenant(ctx.user.auth, input.tenantId, clientOf(ctx));
    setRefreshCookie(ctx, result.refreshToken);
    return {
      user: toUserOutput(result.user),
      tenant: toTenantOutput(result.tenant),
      role: result.role,
      accessToken: result.accessToken,
      accessTokenExpiresAt: result.accessTokenExpiresAt.toISOString(),
    };
  });
