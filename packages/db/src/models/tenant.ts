import { z } from "zod";
import { ZIsoDate, ZRecordId } from "./common";

export const ZTenantType = z.enum(["Self", "Organization"]);
export type TenantType = z.infer<typeof ZTenantType>;

export const ZPlan = z.enum(["Free", "Starter", "Pro", "Enterprise"]);
export type Plan = z.infer<typeof ZPlan>;

export const ZFeature = z.enum([
  "terminal",
  "fork",
  "organizations",
  "audit_log",
  "priority_support",
  "sso",
]);
export type Feature = z.infer<typeof ZFeature>;

/** null means unlimited. */
export const ZTenantSettings = z.object({
  maxUsers: z.number().int().positive().nullable(),
  maxWorkspaces: z.number().int().positive().nullable(),
  features: z.array(ZFeature),
});
export type TenantSettings = z.infer<typeof ZTenantSettings>;

/** "deleting" marks a tenant whose removal has started and not yet finished. */
export const ZTenantStatus = z.enum(["active", "suspended", "deleting"]);
export type TenantStatus = z.infer<typeof ZTenantStatus>;

export const ZTenant = z.object({
  id: ZRecordId,
  name: z.string().min(1).max(200),
  type: ZTenantType,
  plan: ZPlan,
  settings: ZTenantSettings,
  status: ZTenantStatus,
  createdAt: ZIsoDate,
  updatedAt: ZIsoDate,
});
export type Tenant = z.infer<typeof ZTenant>;

export const PLAN_DEFAULTS: Readonly<Record<Plan, Readonly<TenantSettings>>> = {
  Free: { maxUsers: 1, maxWorkspaces: 5, features: ["terminal"] },
  Starter: { maxUsers: 5, maxWorkspaces: 25, features: ["terminal", "fork", "organizations"] },
  Pro: {
    maxUsers: 50,
    maxWorkspaces: 250,
    features: ["terminal", "fork", "organizations", "audit_log"],
  },
  Enterprise: {
    maxUsers: null,
    maxWorkspaces: null,
    features: ["terminal", "fork", "organizations", "audit_log", "priority_support", "sso"],
  },
};

/** A fresh copy of a plan's default settings. */
export function planDefaults(plan: Plan): TenantSettings {
  const d = PLAN_DEFAULTS[plan];
  return { maxUsers: d.maxUsers, maxWorkspaces: d.maxWorkspaces, features: [...d.features] };
}
