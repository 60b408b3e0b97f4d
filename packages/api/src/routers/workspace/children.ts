import { z } from "zod";
import { toWorkspaceMetaOutput } from "../../lib/outputs";
import { ZCursor, ZPageLimit } from "../../lib/paging";
import { authedProcedure } from "../../trpc";
import { readableWorkspace, ZWorkspaceId } from "./access";

export const ZWorkspaceChildrenInput = z.object({
  id: ZWorkspaceId,
  limit: ZPageLimit.optional(),
  cursor: ZCursor.optional(),
});

/** Sessions forked from `id`. */
export const workspaceChildren = authedProcedure
  .input(ZWorkspaceChildrenInput)
  .query(async ({ ctx, input }) => {
    // A missing parent is NOT_FOUND, not an empty list: ids of other tenants stay unknown.
    await readableWorkspace(ctx, input.id);
    const page = await ctx.repos.workspaceSessions.listChildren(ctx.user.tenantId, input.id, {
      limit: input.limit ?? 50,
      cursor: input.cursor ?? null,
    });
    return { items: page.items.map(toWorkspaceMetaOutput), nextCursor: page.nextCursor };
  });
