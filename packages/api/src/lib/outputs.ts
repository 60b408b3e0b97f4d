/**
 * The shapes procedures return. Every one is built field by field from a stored record,
 * so nothing stored (password hashes, refresh-token hashes, internal bookkeeping) can
 * leave the server by accident.
 */
import type {
  AuditEvent,
  Role,
  Tenant,
  TenantSettings,
  User,
  WorkspaceSession,
  WorkspaceSessionMeta,
} from "@hearth/db";

export interface UserOutput {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  emailVerified: boolean;
  createdAt: string;
}

/** Users as passed around by the auth flows (without the hash, but more than we show). */
type UserLike = Pick<
  User,
  "id" | "email" | "firstName" | "lastName" | "emailVerified" | "createdAt"
>;

export function toUserOutput(user: UserLike): UserOutput {
  return {
    id: user.id,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    emailVerified: user.emailVerified,
    createdAt: user.createdAt,
  };
}

/** Another member as colleagues see them. */
export interface MemberUserOutput {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
}

export function toMemberUserOutput(user: UserLike): MemberUserOutput {
  return { id: user.id, email: user.email, firstName: user.firstName, lastName: user.lastName };
}

export interface TenantOutput {
  id: string;
  name: string;
  type: Tenant["type"];
  plan: Tenant["plan"];
  settings: TenantSettings;
  status: Tenant["status"];
  createdAt: string;
  updatedAt: string;
}

export function toTenantOutput(tenant: Tenant): TenantOutput {
  return {
    id: tenant.id,
    name: tenant.name,
    type: tenant.type,
    plan: tenant.plan,
    settings: {
      maxUsers: tenant.settings.maxUsers,
      maxWorkspaces: tenant.settings.maxWorkspaces,
      features: [...tenant.settings.features],
    },
    status: tenant.status,
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
  };
}

export interface MembershipOutput {
  tenant: { id: string; name: string; type: Tenant["type"] };
  role: Role;
}

export interface WorkspaceMetaOutput {
  id: string;
  userId: string;
  name: string;
  workspacePath: string;
  tags: string[];
  parentSessionId: string | null;
  rev: number;
  createdAt: string;
  updatedAt: string;
  lastActiveAt: string;
}

export function toWorkspaceMetaOutput(meta: WorkspaceSessionMeta): WorkspaceMetaOutput {
  return {
    id: meta.id,
    userId: meta.userId,
    name: meta.name,
    workspacePath: meta.workspacePath,
    tags: [...meta.tags],
    parentSessionId: meta.parentSessionId,
    rev: meta.rev,
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
    lastActiveAt: meta.lastActiveAt,
  };
}

export interface WorkspaceSessionOutput extends WorkspaceMetaOutput {
  editor: WorkspaceSession["editor"];
  terminal: WorkspaceSession["terminal"];
  debug: WorkspaceSession["debug"];
  memory: WorkspaceSession["memory"];
  buffers: WorkspaceSession["buffers"];
}

export function toWorkspaceSessionOutput(session: WorkspaceSession): WorkspaceSessionOutput {
  return {
    ...toWorkspaceMetaOutput(session),
    editor: session.editor,
    terminal: session.terminal,
    debug: session.debug,
    memory: session.memory,
    buffers: session.buffers,
  };
}

export interface AuditEventOutput {
  id: string;
  at: string;
  action: string;
  actorUserId: string | null;
  tenantId: string;
  ipAddress: string | null;
  userAgent: string | null;
  detail: AuditEvent["detail"];
}

export function toAuditEventOutput(event: AuditEvent): AuditEventOutput {
  return {
    id: event.id,
    at: event.at,
    action: event.action,
    actorUserId: event.actorUserId,
    tenantId: event.tenantId,
    ipAddress: event.ipAddress,
    userAgent: event.userAgent,
    detail: event.detail,
  };
}
