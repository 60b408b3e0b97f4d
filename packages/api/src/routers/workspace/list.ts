import { toWorkspaceMetaOutput } from "../../lib/outputs";
import { ZPageInput } from "../../lib/paging";
import { authedProcedure } from "../../trpc";

export const ZListWorkspacesInput = ZPageInput;

/** The caller's sessions in this tenant, most recently active first. */
export const listWorkspaces = authedProcedure
  .input(ZListWorkspacesInput)
  .query(async ({ ctx, input }) => {
    const page = await ctx.repos.workspaceSessions.listRecentByUser(
      ctx.user.tenantId,
      ctx.user.id,
      { limit: input?.limit ?? 20, cursor: input?.cursor ?? null },
    );
    return { items: page.items.map(toWorkspaceMetaOutput), nextCursor: page.nextCursor };
  });
