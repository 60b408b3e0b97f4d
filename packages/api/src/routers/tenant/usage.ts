import { authedProcedure } from "../../trpc";
import { currentTenant } from "./shared";

/** The plan's limits beside what the tenant uses of them (null: no limit). */
export const tenantUsage = authedProcedure.query(async ({ ctx }) => {
  const [tenant, used] = await Promise.all([
    currentTenant(ctx),
    ctx.repos.tenants.usage(ctx.user.tenantId),
  ]);
  return {
    plan: tenant.plan,
    members: { used: used.members, allowed: tenant.settings.maxUsers },
    workspaces: { used: used.workspaces, allowed: tenant.settings.maxWorkspaces },
  };
});
