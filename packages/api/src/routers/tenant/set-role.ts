import { NotFoundError, ZRecordId, ZRole } from "@hearth/db";
import { z } from "zod";
import { audit } from "../../lib/audit";
import { adminProcedure } from "../../trpc";

export const ZSetRoleInput = z.object({ userId: ZRecordId, role: ZRole });

/**
 * Admin: changes a member's role; a demoted member loses what the old role allowed on
 * their next request. Never leaves the tenant without an Admin (CONFLICT, checked in the
 * change's own transaction). Someone who is not a member is NOT_FOUND: members join only
 * by accepting an invitation.
 */
export const setRole = adminProcedure.input(ZSetRoleInput).mutation(async ({ ctx, input }) => {
  const existing = await ctx.repos.users.getMembership(ctx.user.tenantId, input.userId);
  if (!existing) throw new NotFoundError("member", input.userId);
  const membership = await ctx.repos.users.addMembership(
    ctx.user.tenantId,
    input.userId,
    input.role,
    { now: ctx.now() },
  );
  if (membership.role !== existing.role) {
    await audit(ctx, {
      tenantId: ctx.user.tenantId,
      action: "tenant.role_changed",
      actorUserId: ctx.user.id,
      detail: { userId: input.userId, role: membership.role, previousRole: existing.role },
    });
  }
  return { userId: input.userId, role: membership.role };
});
