import { z } from "zod";
import { audit } from "../../lib/audit";
import { toTenantOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";
import { ZTenantName } from "./shared";

export const ZCreateOrganizationInput = z.object({ name: ZTenantName });

/** A new Organization tenant with the caller as its Admin (switch to act in it). */
export const createOrganization = authedProcedure
  .input(ZCreateOrganizationInput)
  .mutation(async ({ ctx, input }) => {
    const tenant = await ctx.repos.tenants.create({
      name: input.name,
      type: "Organization",
      plan: ctx.config.organizationPlan,
      owner: { userId: ctx.user.id, role: "Admin" },
      now: ctx.now(),
    });
    await audit(ctx, {
      tenantId: tenant.id,
      action: "tenant.created",
      actorUserId: ctx.user.id,
      detail: { name: tenant.name },
    });
    return { ...toTenantOutput(tenant), role: "Admin" as const };
  });
