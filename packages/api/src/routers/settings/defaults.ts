import { audit } from "../../lib/audit";
import { settingsChanges } from "../../lib/settings-changes";
import { adminProcedure } from "../../trpc";
import { ZDefaultsPatch } from "./shared";

/** The tenant's defaults (Admins): `{values, updatedAt, updatedByUserId}`. */
export const getSettingsDefaults = adminProcedure.query(({ ctx }) =>
  ctx.repos.settings.defaults(ctx.user.tenantId),
);

/** Sets (or with null removes) some of the tenant's defaults (Admins); audited. */
export const updateSettingsDefaults = adminProcedure
  .input(ZDefaultsPatch)
  .mutation(async ({ ctx, input }) => {
    const defaults = await ctx.repos.settings.updateDefaults(ctx.user.tenantId, input, {
      updatedByUserId: ctx.user.id,
      now: ctx.now(),
    });
    settingsChanges.tenantChanged(ctx.user.tenantId);
    await audit(ctx, {
      tenantId: ctx.user.tenantId,
      action: "settings.defaults_changed",
      actorUserId: ctx.user.id,
      detail: { changed: Object.keys(input).join(",") },
    });
    return defaults;
  });
