import { AuthError } from "@hearth/auth";
import { NotFoundError } from "@hearth/db";
import type { MembershipOutput } from "../../lib/outputs";
import { toTenantOutput, toUserOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";

/** The caller, the tenant the token acts in, their role there, and all their tenants. */
export const me = authedProcedure.query(async ({ ctx }) => {
  const [user, tenant, memberships] = await Promise.all([
    ctx.repos.users.getById(ctx.user.id),
    ctx.repos.tenants.getById(ctx.user.tenantId),
    ctx.repos.users.listMembershipsOfUser(ctx.user.id),
  ]);
  if (!user) throw new AuthError();
  if (!tenant) throw new NotFoundError("tenant", ctx.user.tenantId);
  const tenants = await Promise.all(memberships.map((m) => ctx.repos.tenants.getById(m.tenantId)));
  const list: MembershipOutput[] = [];
  memberships.forEach((m, i) => {
    const t = tenants[i];
    if (t && t.status === "active") {
      list.push({ tenant: { id: t.id, name: t.name, type: t.type }, role: m.role });
    }
  });
  return {
    user: toUserOutput(user),
    tenant: toTenantOutput(tenant),
    role: ctx.user.role,
    memberships: list,
  };
});
