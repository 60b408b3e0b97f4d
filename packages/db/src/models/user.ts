import { z } from "zod";
import { ZEmail, ZIsoDate, ZRecordId } from "./common";

export const ZRole = z.enum(["Admin", "Developer", "Manager", "Viewer"]);
export type Role = z.infer<typeof ZRole>;

export const ZUser = z.object({
  id: ZRecordId,
  /** The home tenant: the user's own Self tenant, where the record lives. */
  tenantId: ZRecordId,
  email: ZEmail,
  firstName: z.string().max(100),
  lastName: z.string().max(100),
  /** Role in the home tenant; roles elsewhere are on memberships. */
  role: ZRole,
  /** argon2id PHC string. */
  passwordHash: z.string(),
  emailVerified: z.boolean(),
  isActive: z.boolean(),
  lastLoginAt: ZIsoDate.nullable(),
  createdAt: ZIsoDate,
  updatedAt: ZIsoDate,
});
export type User = z.infer<typeof ZUser>;

/** A user's membership of a tenant, stored on both sides (members / user_tenants). */
export const ZMembership = z.object({
  tenantId: ZRecordId,
  userId: ZRecordId,
  role: ZRole,
  addedAt: ZIsoDate,
});
export type Membership = z.infer<typeof ZMembership>;
