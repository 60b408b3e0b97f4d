import { z } from "zod";
import { ZIsoDate, ZRecordId } from "./common";

export const ZAuthSessionStatus = z.enum(["active", "rotated", "revoked"]);
export type AuthSessionStatus = z.infer<typeof ZAuthSessionStatus>;

/** One refresh token of a token family (one sign-in on one device). */
export const ZAuthSession = z.object({
  id: ZRecordId,
  tenantId: ZRecordId,
  userId: ZRecordId,
  tokenFamily: ZRecordId,
  /**
   * The family of the sign-in this one descends from through tenant switches (absent: its
   * own). A detected reuse revokes the whole lineage, so a switch cannot shed it.
   */
  lineage: ZRecordId.optional(),
  /** SHA-256 of the refresh token's secret, hex. */
  refreshTokenHash: z.string(),
  expiresAt: ZIsoDate,
  refreshExpiresAt: ZIsoDate,
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  workspaceSessionId: ZRecordId.optional(),
  status: ZAuthSessionStatus,
  rotatedTo: ZRecordId.optional(),
  rotatedAt: ZIsoDate.optional(),
  revokedAt: ZIsoDate.optional(),
  createdAt: ZIsoDate,
  lastUsedAt: ZIsoDate,
});
export type AuthSession = z.infer<typeof ZAuthSession>;
