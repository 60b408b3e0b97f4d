import { rm } from "node:fs/promises";
import { AuthError } from "@hearth/auth";
import { ValidationError } from "@hearth/db";
import { z } from "zod";
import { ForbiddenError } from "../../errors";
import { audit } from "../../lib/audit";
import { clientOf } from "../../lib/authenticate";
import { refreshTokenFrom, requireCookieTransport } from "../../lib/cookies";
import { tenantWorkspaceRoot } from "../../lib/workspace-path";
import { adminProcedure } from "../../trpc";
import { signedIn } from "../auth/shared";
import { currentTenant } from "./shared";

export const ZDeleteTenantInput = z.object({ confirmName: z.string().max(200) });

/**
 * Deletes an Organization tenant: its whole key range, its global entries and its
 * workspace folders. The caller types the tenant's name to confirm. The audit event goes
 * to the caller's own tenant, since the deleted one's log goes with it. The caller's
 * sign-in moves to their own tenant first (as tenant.switch does: new access token and
 * cookie in the answer), so deleting the organization they are in does not sign them out;
 * a request without the sign-in's refresh cookie gets `home: null`.
 */
export const deleteTenant = adminProcedure
  .input(ZDeleteTenantInput)
  .mutation(async ({ ctx, input }) => {
    requireCookieTransport(ctx, "tenant.delete");
    const tenant = await currentTenant(ctx);
    if (tenant.type !== "Organization") {
      throw new ForbiddenError("Only Organization tenants can be deleted; this is a personal one.");
    }
    if (input.confirmName !== tenant.name) {
      throw new ValidationError("Type the tenant's exact name to confirm its deletion.");
    }
    const actor = await ctx.repos.users.getById(ctx.user.id);
    const home =
      actor && actor.tenantId !== tenant.id
        ? await ctx.auth
            .switchTenant(ctx.user.auth, actor.tenantId, clientOf(ctx), refreshTokenFrom(ctx))
            .then(
              (result) => signedIn(ctx, result),
              // Without the sign-in's cookie the caller is signed out instead, as the
              // family ends with the tenant.
              (err: unknown) => {
                if (err instanceof AuthError) return null;
                throw err;
              },
            )
        : null;
    await ctx.repos.tenants.delete(tenant.id);
    await rm(tenantWorkspaceRoot(ctx.config.workspacesDir, tenant.id), {
      recursive: true,
      force: true,
    }).catch((err: unknown) => {
      ctx.log.warn({ err, tenantId: tenant.id }, "workspace folders of a deleted tenant remain");
    });
    if (actor) {
      await audit(ctx, {
        tenantId: actor.tenantId,
        action: "tenant.deleted",
        actorUserId: ctx.user.id,
        detail: { tenantId: tenant.id, name: tenant.name },
      });
    }
    return { id: tenant.id, deleted: true as const, home };
  });
