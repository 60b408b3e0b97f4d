import { toWorkspaceMetaOutput } from "../../lib/outputs";
import { ZPageInput } from "../../lib/paging";
import { authedProcedure } from "../../trpc";

export const ZSharedWithMeInput = ZPageInput;

/** Others' sessions shared with the caller (by name or with the tenant), newest first. */
export const sharedWithMe = authedProcedure
  .input(ZSharedWithMeInput)
  .query(async ({ ctx, input }) => {
    const page = await ctx.repos.workspaceShares.listSharedWith(ctx.user.tenantId, ctx.user.id, {
      limit: input?.limit ?? 20,
      cursor: input?.cursor ?? null,
    });
    return { items: page.items.map(toWorkspaceMetaOutput), nextCursor: page.nextCursor };
  });
