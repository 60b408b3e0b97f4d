import type { Invitation, Role } from "@hearth/db";
import type { Context } from "../context";
import { ForbiddenError } from "../errors";
import type { SessionUser } from "./authenticate";

/** An invitation as the invitee sees it. */
export interface InvitationOutput {
  id: string;
  tenant: { id: string; name: string; type: "Self" | "Organization" };
  role: Role;
  /** Who invited, as colleagues see them; null once that account is gone. */
  invitedBy: { id: string; firstName: string; lastName: string } | null;
  at: string;
  expiresAt: string;
}

/** A pending invitation as the tenant's Admins see it. */
export interface TenantInvitationOutput {
  id: string;
  email: string;
  role: Role;
  invitedBy: { id: string; firstName: string; lastName: string } | null;
  at: string;
  expiresAt: string;
}

export async function inviterOf(
  ctx: Pick<Context, "repos">,
  invitation: Pick<Invitation, "invitedByUserId">,
): Promise<InvitationOutput["invitedBy"]> {
  const user = await ctx.repos.users.getById(invitation.invitedByUserId);
  return user ? { id: user.id, firstName: user.firstName, lastName: user.lastName } : null;
}

/**
 * The caller's account, whose email must be confirmed: an invitation goes to an address,
 * and anyone can register an account with an address they do not own. Until the owner of
 * the address confirms it, nobody sees, accepts or declines what was sent to it.
 */
export async function verifiedInvitee(
  ctx: Pick<Context, "repos"> & { user: SessionUser },
): Promise<{ id: string; email: string }> {
  const user = await ctx.repos.users.getById(ctx.user.id);
  if (!user?.emailVerified) {
    throw new ForbiddenError(
      "Confirm your email address first (use the link we mailed you): invitations go to the address, not the account.",
    );
  }
  return { id: user.id, email: user.email };
}
