import { z } from "zod";
import { ZIsoDate, ZRecordId } from "./common";

export const ZEmailTokenPurpose = z.enum(["verify", "reset"]);
export type EmailTokenPurpose = z.infer<typeof ZEmailTokenPurpose>;

/** A single-use emailed token; only the SHA-256 of the token is stored (as the key). */
export const ZEmailToken = z.object({
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 hex digest"),
  purpose: ZEmailTokenPurpose,
  userId: ZRecordId,
  tenantId: ZRecordId,
  createdAt: ZIsoDate,
  expiresAt: ZIsoDate,
});
export type EmailToken = z.infer<typeof ZEmailToken>;
