import { z } from "zod";
import { toWorkspaceMetaOutput } from "../../lib/outputs";
import { ZCursor, ZPageLimit } from "../../lib/paging";
import { authedProcedure } from "../../trpc";
import { requireWorkspaceAccess, ZWorkspaceId } from "./access";

export const ZWorkspaceChildrenInput = z.object({
  id: ZWorkspaceId,
  limit: ZPageLimit.optional(),
  cursor: ZCursor.optional(),
});

/** Sessions forked from `id` that the caller may read (their own, or shared with them). */
export const workspaceChildren = authedProcedure
  .input(ZWorkspaceChildrenInput)
  .query(async ({ ctx, input }) => {
    // A missing parent is NOT_FOUND, not an empty list: ids of other tenants stay unknown.
    await requireWorkspaceAccess(ctx, input.id, "read");
    const page = await ctx.repos.workspaceSessions.listChildren(ctx.user.tenantId, input.id, {
      limit: input.limit ?? 50,
      cursor: input.cursor ?? null,
    });
    const others = page.items.filter((m) => m.userId !== ctx.user.id).map((m) => m.id);
    const shared = await ctx.repos.workspaceShares.sharedAmong(
      ctx.user.tenantId,
      ctx.user.id,
      others,
    );
    const items = page.items.filter((m) => m.userId === ctx.user.id || shared.has(m.id));
    return { items: items.map(toWorkspaceMetaOutput), nextCursor: page.nextCursor };
  });
