import { NotFoundError, type WorkspaceSessionMeta, ZRecordId } from "@hearth/db";
import type { Context } from "../../context";
import { ForbiddenError } from "../../errors";
import type { SessionUser } from "../../lib/authenticate";
import { requireWriter } from "../../lib/roles";
import { ensureWorkspaceFolder } from "../../lib/workspace-path";

export const ZWorkspaceId = ZRecordId;

/**
 * What a caller means to do with a session:
 * - `"read"`: see its state and files — its owner, or a member it is shared with (by name
 *   or with the whole tenant). Shares are read-only.
 * - `"owner"`: what only the owner sees, whatever their role (a terminal's environment
 *   variables).
 * - `"write"`: change it (autosave, files, terminals) — its owner, and not as a Viewer.
 */
export type WorkspaceAccess = "read" | "write" | "owner";

/** The caller as the access check needs it: any authed procedure's ctx fits. */
export type WorkspaceAccessCtx = Pick<Context, "repos"> & { user: SessionUser };

/** The session `id` as a caller who may access it sees it. */
export interface AccessibleWorkspace {
  meta: WorkspaceSessionMeta;
  /** The caller owns it; false means it is shared with them (read-only). */
  isOwner: boolean;
}

/**
 * The one access check of a workspace session, for every router (workspace, fs,
 * terminal). A session the caller may not read — another member's unshared session, or
 * another tenant's id — is NOT_FOUND with the same message as a missing one; Admins are no
 * exception (they list metadata with `tenant.workspaces`, not contents). A session the
 * caller may read but not `need` is FORBIDDEN. Reads the session's meta and its shares in
 * one transaction, so an unshare takes effect on the next request.
 */
export async function requireWorkspaceAccess(
  ctx: WorkspaceAccessCtx,
  id: string,
  need: WorkspaceAccess,
): Promise<AccessibleWorkspace> {
  const facts = await ctx.repos.workspaceShares.accessFacts(ctx.user.tenantId, id, ctx.user.id);
  if (!facts) throw new NotFoundError("workspace session", id);
  const isOwner = facts.meta.userId === ctx.user.id;
  if (!isOwner && !facts.sharedWithUser) throw new NotFoundError("workspace session", id);
  if (need !== "read") {
    if (!isOwner) {
      throw new ForbiddenError(
        "This workspace session is shared with you read-only; only its owner can change it.",
      );
    }
    if (need === "write") requireWriter(ctx.user);
  }
  return { meta: facts.meta, isOwner };
}

/** An accessible session and the absolute path of its folder. */
export interface AccessibleWorkspaceFolder extends AccessibleWorkspace {
  /**
   * `<workspacesDir>/<tenant>/<owner>/<workspacePath>`, created if missing; every component
   * was checked to be a real directory (no symlink) just now.
   */
  folder: string;
}

/**
 * requireWorkspaceAccess, then the session's folder: for fs.* and terminal.* routers. The
 * folder is always under the session owner's own root, so no session leads into another
 * member's folders.
 */
export async function workspaceFolder(
  ctx: WorkspaceAccessCtx & Pick<Context, "config">,
  id: string,
  need: WorkspaceAccess,
): Promise<AccessibleWorkspaceFolder> {
  const access = await requireWorkspaceAccess(ctx, id, need);
  const { tenantId, userId, workspacePath } = access.meta;
  const folder = await ensureWorkspaceFolder(
    ctx.config.workspacesDir,
    tenantId,
    userId,
    workspacePath,
  );
  return { ...access, folder };
}

/**
 * A session's meta for an Admin of the tenant, who may list and delete any session but
 * not read its contents; for anyone else requireWorkspaceAccess(…, "write").
 */
export async function deletableWorkspace(
  ctx: WorkspaceAccessCtx,
  id: string,
): Promise<WorkspaceSessionMeta> {
  if (ctx.user.role === "Admin") {
    const meta = await ctx.repos.workspaceSessions.getMeta(ctx.user.tenantId, id);
    if (!meta) throw new NotFoundError("workspace session", id);
    return meta;
  }
  return (await requireWorkspaceAccess(ctx, id, "write")).meta;
}
