import { MailOffError } from "@hearth/auth";
import { ZRole } from "@hearth/db";
import { z } from "zod";
import { audit } from "../../lib/audit";
import { countAttempt } from "../../lib/throttle";
import { adminProcedure } from "../../trpc";
import { ZEmailInput } from "../auth/shared";
import { currentTenant } from "./shared";

export const ZInviteInput = z.object({ email: ZEmailInput, role: ZRole });

/** Invitations one Admin may send per hour: enough for a team, too few to probe with. */
export const INVITES_PER_HOUR = 30;

/**
 * Admin: invites an email address into the tenant with a role, and mails it. The answer is
 * the same whether or not the address has an account (nothing about other people's
 * accounts can be learnt here), and membership starts only when the invitee accepts.
 * Inviting the same address again replaces the open invitation. A server whose mail is
 * off refuses (PRECONDITION_FAILED with a sentence). Each call counts against
 * the inviter before anything is done (TOO_MANY_REQUESTS past INVITES_PER_HOUR).
 */
export const invite = adminProcedure.input(ZInviteInput).mutation(async ({ ctx, input }) => {
  // Without mail nobody could confirm the address an invitation needs: refuse up front.
  if (ctx.auth.mailer.kind === "off") {
    throw new MailOffError(
      "This server does not send mail (no SMTP is configured), so it cannot send an invitation. Ask its operator.",
    );
  }
  await countAttempt(ctx, [
    { bucket: "invitePerInviter", key: ctx.user.id, max: INVITES_PER_HOUR, windowMs: 3_600_000 },
  ]);
  const tenant = await currentTenant(ctx);
  const invitation = await ctx.repos.invitations.create({
    tenantId: tenant.id,
    email: input.email,
    role: input.role,
    invitedByUserId: ctx.user.id,
    now: ctx.now(),
  });
  const inviter = await ctx.repos.users.getById(ctx.user.id);
  const by = inviter ? `${inviter.firstName} ${inviter.lastName}`.trim() : "An Admin";
  // After the answer's work, like every mail: its delivery cannot change the answer.
  ctx.auth.mailer
    .send({
      to: invitation.email,
      subject: `${by} invited you to ${tenant.name} on Hearth`,
      text: [
        `${by} invited you to join ${tenant.name} on Hearth as ${invitation.role}.`,
        "",
        `Sign in to Hearth with this address (or create an account with it), confirm the address, and accept the invitation. It stays open until ${invitation.expiresAt}.`,
        "If you did not expect it, ignore this mail or decline the invitation.",
      ].join("\n"),
    })
    .catch((err: unknown) => {
      ctx.log.error({ err, invitationId: invitation.id }, "invitation mail could not be sent");
    });
  await audit(ctx, {
    tenantId: tenant.id,
    action: "tenant.invited",
    actorUserId: ctx.user.id,
    detail: { invitationId: invitation.id, email: invitation.email, role: invitation.role },
  });
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    expiresAt: invitation.expiresAt,
  };
});
