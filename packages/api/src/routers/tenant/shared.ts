import { ConflictError, NotFoundError, type Role, type Tenant } from "@hearth/db";
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

/** Refuses a change that would leave the tenant without any Admin. */
export async function assertKeepsAnAdmin(
  ctx: Ctx,
  userId: string,
  currentRole: Role,
  nextRole: Role | null,
): Promise<void> {
  if (currentRole !== "Admin" || nextRole === "Admin") return;
  let cursor: string | null = null;
  do {
    const page = await ctx.repos.users.listMembersOfTenant(ctx.user.tenantId, {
      limit: 200,
      cursor,
    });
    if (page.items.some((m) => m.role === "Admin" && m.userId !== userId)) return;
    cursor = page.nextCursor;
  } while (cursor);
  throw new ConflictError("already_exists", "A tenant needs at least one Admin.");
}
