import { planDefaults, type TenantSettings, ZFeature } from "@hearth/db";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { audit } from "../../lib/audit";
import { toTenantOutput } from "../../lib/outputs";
import { adminProcedure } from "../../trpc";
import { currentTenant, ZTenantName } from "./shared";

const ZLimit = z.number().int().min(1).max(1_000_000).nullable();

export const ZUpdateTenantInput = z.object({
  name: ZTenantName.optional(),
  /** An Admin may set limits below the plan's, never above: those are the plan's to give. */
  settings: z
    .object({
      maxUsers: ZLimit.optional(),
      maxWorkspaces: ZLimit.optional(),
      features: z.array(ZFeature).max(16).optional(),
    })
    .optional(),
});

function overPlan(plan: string, limit: string, max: number): TRPCError {
  return new TRPCError({
    code: "PRECONDITION_FAILED",
    message: `The ${plan} plan allows at most ${max} for ${limit}; choose a value up to that.`,
  });
}

export const updateTenant = adminProcedure
  .input(ZUpdateTenantInput)
  .mutation(async ({ ctx, input }) => {
    const tenant = await currentTenant(ctx);
    const allowed = planDefaults(tenant.plan);
    const settings: Partial<TenantSettings> = {};
    for (const limit of ["maxUsers", "maxWorkspaces"] as const) {
      const value = input.settings?.[limit];
      if (value === undefined) continue;
      const max = allowed[limit];
      if (max !== null && (value === null || value > max)) throw overPlan(tenant.plan, limit, max);
      settings[limit] = value;
    }
    const features = input.settings?.features;
    if (features) {
      const extra = features.filter((f) => !allowed.features.includes(f));
      if (extra.length > 0) {
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message: `The ${tenant.plan} plan does not include ${extra.join(", ")}.`,
        });
      }
      settings.features = [...new Set(features)];
    }
    const updated = await ctx.repos.tenants.update(tenant.id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      settings,
      now: ctx.now(),
    });
    await audit(ctx, {
      tenantId: tenant.id,
      action: "tenant.updated",
      actorUserId: ctx.user.id,
      detail: { changed: Object.keys({ ...input, ...input.settings }).join(",") },
    });
    return toTenantOutput(updated);
  });
