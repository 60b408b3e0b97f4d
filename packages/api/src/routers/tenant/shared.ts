import { NotFoundError, type Tenant } from "@hearth/db";
import { z } from "zod";
import type { Context } from "../../context";
import type { SessionUser } from "../../lib/authenticate";

export const ZTenantName = z.string().trim().min(1).max(200);

type Ctx = Pick<Context, "repos"> & { user: SessionUser };

export async function currentTenant(ctx: Ctx): Promise<Tenant> {
  const tenant = await ctx.repos.tenants.getById(ctx.user.tenantId);
  if (!tenant) throw new NotFoundError("tenant", ctx.user.tenantId);
  return tenant;
}
