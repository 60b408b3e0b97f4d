import type { Store } from "../store/types";
import { AuditRepository } from "./audit-repository";
import { AuthSessionRepository } from "./auth-session-repository";
import { EmailTokenRepository } from "./email-token-repository";
import { InvitationRepository } from "./invitation-repository";
import { SettingRepository } from "./setting-repository";
import { TenantRepository } from "./tenant-repository";
import { ThrottleRepository } from "./throttle-repository";
import { UserRepository } from "./user-repository";
import { WorkspaceFileRepository } from "./workspace-file-repository";
import { WorkspaceSessionRepository } from "./workspace-session-repository";
import { WorkspaceShareRepository } from "./workspace-share-repository";
import { WorkspaceTerminalRepository } from "./workspace-terminal-repository";

export * from "./audit-repository";
export * from "./auth-session-repository";
export * from "./email-token-repository";
export * from "./errors";
export * from "./invitation-repository";
export * from "./setting-repository";
export * from "./tenant-repository";
export * from "./throttle-repository";
export {
  type CreateUserInput,
  type MemberWithUser,
  type UpdateUserInput,
  UserRepository,
} from "./user-repository";
export * from "./workspace-file-repository";
export * from "./workspace-session-repository";
export * from "./workspace-share-repository";
export * from "./workspace-terminal-repository";

export interface Repositories {
  tenants: TenantRepository;
  users: UserRepository;
  authSessions: AuthSessionRepository;
  workspaceSessions: WorkspaceSessionRepository;
  workspaceTerminals: WorkspaceTerminalRepository;
  workspaceShares: WorkspaceShareRepository;
  invitations: InvitationRepository;
  audit: AuditRepository;
  emailTokens: EmailTokenRepository;
  throttle: ThrottleRepository;
  files: WorkspaceFileRepository;
  settings: SettingRepository;
}

/** Every repository over one store. */
export function createRepositories(store: Store): Repositories {
  return {
    tenants: new TenantRepository(store),
    users: new UserRepository(store),
    authSessions: new AuthSessionRepository(store),
    workspaceSessions: new WorkspaceSessionRepository(store),
    workspaceTerminals: new WorkspaceTerminalRepository(store),
    workspaceShares: new WorkspaceShareRepository(store),
    invitations: new InvitationRepository(store),
    audit: new AuditRepository(store),
    emailTokens: new EmailTokenRepository(store),
    throttle: new ThrottleRepository(store),
    files: new WorkspaceFileRepository(store),
    settings: new SettingRepository(store),
  };
}
