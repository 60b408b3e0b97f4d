import { NotFoundError, type WorkspaceSessionMeta, ZRecordId } from "@hearth/db";
import type { Context } from "../../context";
import { ForbiddenError } from "../../errors";
import type { SessionUser } from "../../lib/authenticate";
import { requireWriter } from "../../lib/roles";

export const ZWorkspaceId = ZRecordId;

type Ctx = Pick<Context, "repos"> & { user: SessionUser };

/**
 * A session of the caller's tenant, looked up under the tenant's prefix only: an id of
 * another tenant is as missing as an id that never existed.
 */
export async function readableWorkspace(ctx: Ctx, id: string): Promise<WorkspaceSessionMeta> {
  const meta = await ctx.repos.workspaceSessions.getMeta(ctx.user.tenantId, id);
  if (!meta) throw new NotFoundError("workspace session", id);
  return meta;
}

/** A session the caller may change: their own, and not as a Viewer. */
export async function ownedWorkspace(ctx: Ctx, id: string): Promise<WorkspaceSessionMeta> {
  const meta = await readableWorkspace(ctx, id);
  requireOwner(ctx.user, meta);
  return meta;
}

export function requireOwner(user: SessionUser, meta: Pick<WorkspaceSessionMeta, "userId">): void {
  requireWriter(user);
  if (meta.userId !== user.id) {
    throw new ForbiddenError("Only the owner of this workspace session can change it.");
  }
}
