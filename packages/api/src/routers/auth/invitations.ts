import { ZRecordId } from "@hearth/db";
import { z } from "zod";
import { audit } from "../../lib/audit";
import { type InvitationOutput, inviterOf, verifiedInvitee } from "../../lib/invitations";
import { authedProcedure } from "../../trpc";

/** The caller's open invitations (to their confirmed email address), oldest first. */
export const invitations = authedProcedure.query(async ({ ctx }) => {
  const me = await verifiedInvitee(ctx);
  const found = await ctx.repos.invitations.listForEmail(me.email, { now: ctx.now() });
  const out: InvitationOutput[] = [];
  for (const { invitation, tenant } of found) {
    out.push({
      id: invitation.id,
      tenant,
      role: invitation.role,
      invitedBy: await inviterOf(ctx, invitation),
      at: invitation.createdAt,
      expiresAt: invitation.expiresAt,
    });
  }
  return out;
});

export const ZInvitationIdInput = z.object({ id: ZRecordId });

/**
 * Accepts one of the caller's invitations: the membership starts now with the invited
 * role, the plan's maxUsers checked in the same transaction (PRECONDITION_FAILED). Switch
 * to the tenant to act in it. Someone else's or an unknown id is NOT_FOUND.
 */
export const acceptInvitation = authedProcedure
  .input(ZInvitationIdInput)
  .mutation(async ({ ctx, input }) => {
    const me = await verifiedInvitee(ctx);
    const accepted = await ctx.repos.invitations.accept(me.email, me.id, input.id, {
      now: ctx.now(),
    });
    const tenant = await ctx.repos.tenants.getById(accepted.tenantId);
    await audit(ctx, {
      tenantId: accepted.tenantId,
      action: "tenant.invitation_accepted",
      actorUserId: me.id,
      detail: { invitationId: input.id, userId: me.id, role: accepted.role },
    });
    return {
      tenant: {
        id: accepted.tenantId,
        name: tenant?.name ?? "",
        type: tenant?.type ?? ("Organization" as const),
      },
      role: accepted.role,
      addedAt: accepted.addedAt,
    };
  });

/** Declines one of the caller's invitations; it is gone, and nothing else changes. */
export const declineInvitation = authedProcedure
  .input(ZInvitationIdInput)
  .mutation(async ({ ctx, input }) => {
    const me = await verifiedInvitee(ctx);
    const inv = await ctx.repos.invitations.decline(me.email, input.id, { now: ctx.now() });
    await audit(ctx, {
      tenantId: inv.tenantId,
      action: "tenant.invitation_declined",
      actorUserId: me.id,
      detail: { invitationId: inv.id, userId: me.id, role: inv.role },
    });
    return { id: inv.id, declined: true as const };
  });
