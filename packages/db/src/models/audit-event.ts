import { z } from "zod";
import { ZIsoDate, ZRecordId } from "./common";

/** Actions the API records; others may be added freely. */
export const AUDIT_ACTIONS = [
  "auth.register",
  "auth.login",
  "auth.login_failed",
  "auth.refresh_reuse",
  "auth.logout",
  "auth.logout_all",
  "auth.password_changed",
  "auth.password_reset",
  "auth.email_verified",
  "tenant.created",
  "tenant.updated",
  "tenant.member_added",
  "tenant.member_removed",
  "tenant.deleted",
  "workspace.deleted",
] as const;

export const ZAuditEvent = z.object({
  id: ZRecordId,
  at: ZIsoDate,
  action: z.string().min(1).max(100),
  actorUserId: ZRecordId.nullable(),
  tenantId: ZRecordId,
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  detail: z.record(z.string(), z.json()),
});
export type AuditEvent = z.infer<typeof ZAuditEvent>;
