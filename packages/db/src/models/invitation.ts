import { z } from "zod";
import { ZEmail, ZIsoDate, ZRecordId } from "./common";
import { ZRole } from "./user";

/**
 * An Admin's invitation of an email address into a tenant. Membership starts only when the
 * invitee accepts; until then nothing tells the Admin whether the address has an account.
 */
export const ZInvitation = z.object({
  id: ZRecordId,
  tenantId: ZRecordId,
  /** Lower-cased, as emails are compared. */
  email: ZEmail,
  role: ZRole,
  invitedByUserId: ZRecordId,
  createdAt: ZIsoDate,
  /** After this the invitation is as good as gone: it cannot be seen or accepted. */
  expiresAt: ZIsoDate,
});
export type Invitation = z.infer<typeof ZInvitation>;

/** How long an invitation stays open. */
export const INVITATION_TTL_MS = 14 * 24 * 60 * 60 * 1000;
