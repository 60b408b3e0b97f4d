import { NotFoundError, ZRecordId } from "@hearth/db";
import { z } from "zod";
import { audit } from "../../lib/audit";
import { adminProcedure } from "../../trpc";

export const ZRemoveMemberInput = z.object({ userId: ZRecordId });

/**
 * Ends a membership; the user's sign-ins in this tenant end with it, and so does every
 * share of a session with them. The last Admin cannot be removed (CONFLICT, checked in
 * the removal's own transaction).
 */
export const removeMember = adminProcedure
  .input(ZRemoveMemberInput)
  .mutation(async ({ ctx, input }) => {
    const membership = await ctx.repos.users.getMembership(ctx.user.tenantId, input.userId);
    if (!membership) throw new NotFoundError("member", input.userId);
    await ctx.repos.users.removeMembership(ctx.user.tenantId, input.userId, { now: ctx.now() });
    // Sessions shared with them stay unreadable if they are ever invited back.
    await ctx.repos.workspaceShares.clearGrantee(ctx.user.tenantId, input.userId);
    await audit(ctx, {
      tenantId: ctx.user.tenantId,
      action: "tenant.member_removed",
      actorUserId: ctx.user.id,
      detail: { userId: input.userId, role: membership.role },
    });
    return { userId: input.userId, removed: true as const };
  });
