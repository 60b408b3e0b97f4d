import { ZRecordId } from "@hearth/db";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { refreshTokenFrom, requireCookieTransport } from "../../lib/cookies";
import { authedProcedure } from "../../trpc";
import { signedIn } from "../auth/shared";

export const ZSwitchTenantInput = z.object({ tenantId: ZRecordId });

/**
 * A new sign-in scoped to another tenant the caller belongs to: new access token and
 * refresh cookie; the current family ends. Not a member is NOT_FOUND, like no such tenant;
 * the tenant one is in already is BAD_REQUEST, as is a switch over the WebSocket. The
 * request must carry the sign-in's refresh cookie too (UNAUTHORIZED without it): a copied
 * access token alone cannot be turned into a new month-long sign-in.
 */
export const switchTenant = authedProcedure
  .input(ZSwitchTenantInput)
  .mutation(async ({ ctx, input }) => {
    requireCookieTransport(ctx, "tenant.switch");
    const result = await ctx.auth.switchTenant(
      ctx.user.auth,
      input.tenantId,
      clientOf(ctx),
      refreshTokenFrom(ctx),
    );
    // A switch is a sign-in to the other tenant: same answer, new cookie.
    return signedIn(ctx, result);
  });
