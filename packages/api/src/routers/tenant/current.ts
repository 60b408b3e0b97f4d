import { toTenantOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";
import { currentTenant } from "./shared";

/** The tenant of the access token, with the caller's role in it. */
export const tenantCurrent = authedProcedure.query(async ({ ctx }) => {
  const tenant = await currentTenant(ctx);
  return { ...toTenantOutput(tenant), role: ctx.user.role };
});
