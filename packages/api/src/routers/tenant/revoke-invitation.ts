import { ZRecordId } from "@hearth/db";
import { z } from "zod";
import { audit } from "../../lib/audit";
import { adminProcedure } from "../../trpc";

export const ZRevokeInvitationInput = z.object({ id: ZRecordId });

/** Admin: withdraws an invitation of the tenant; another tenant's id is NOT_FOUND. */
export const revokeInvitation = adminProcedure
  .input(ZRevokeInvitationInput)
  .mutation(async ({ ctx, input }) => {
    const inv = await ctx.repos.invitations.revoke(ctx.user.tenantId, input.id);
    await audit(ctx, {
      tenantId: ctx.user.tenantId,
      action: "tenant.invitation_revoked",
      actorUserId: ctx.user.id,
      detail: { invitationId: inv.id, email: inv.email, role: inv.role },
    });
    return { id: inv.id, revoked: true as const };
  });
