import { ZPageInput } from "../../lib/paging";
import { adminProcedure } from "../../trpc";

export const ZTenantWorkspacesInput = ZPageInput;

/** A session as an Admin sees it: what it is and whose, never what it holds. */
export interface TenantWorkspaceOutput {
  id: string;
  name: string;
  ownerUserId: string;
  lastActiveAt: string;
  /** Bytes the session stores: its state, scrollback and unsaved buffers. */
  sizeBytes: number;
}

/**
 * Admin: every session of the tenant, by owner, with its metadata and size, to see what
 * takes room and delete it (`workspace.delete`); its contents stay its owner's.
 */
export const tenantWorkspaces = adminProcedure
  .input(ZTenantWorkspacesInput)
  .query(async ({ ctx, input }) => {
    const page = await ctx.repos.workspaceSessions.listInTenant(ctx.user.tenantId, {
      limit: input?.limit ?? 50,
      cursor: input?.cursor ?? null,
    });
    const items: TenantWorkspaceOutput[] = page.items.map((m) => ({
      id: m.id,
      name: m.name,
      ownerUserId: m.userId,
      lastActiveAt: m.lastActiveAt,
      sizeBytes: m.sizeBytes,
    }));
    return { items, nextCursor: page.nextCursor };
  });
