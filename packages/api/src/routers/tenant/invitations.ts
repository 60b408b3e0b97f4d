import type { Invitation } from "@hearth/db";
import { inviterOf, type TenantInvitationOutput } from "../../lib/invitations";
import { adminProcedure } from "../../trpc";

/** Admin: the tenant's open invitations, oldest first. */
export const tenantInvitations = adminProcedure.query(async ({ ctx }) => {
  const all: Invitation[] = [];
  let cursor: string | null = null;
  do {
    const page = await ctx.repos.invitations.listByTenant(ctx.user.tenantId, {
      limit: 500,
      cursor,
      now: ctx.now(),
    });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const out: TenantInvitationOutput[] = [];
  for (const inv of all) {
    out.push({
      id: inv.id,
      email: inv.email,
      role: inv.role,
      invitedBy: await inviterOf(ctx, inv),
      at: inv.createdAt,
      expiresAt: inv.expiresAt,
    });
  }
  return out;
});
