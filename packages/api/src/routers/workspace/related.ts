import { z } from "zod";
import { ZTagInput } from "../../lib/key-text";
import { toWorkspaceMetaOutput } from "../../lib/outputs";
import { ZPageLimit } from "../../lib/paging";
import { authedProcedure } from "../../trpc";

export const ZRelatedWorkspacesInput = z.object({
  tags: z.array(ZTagInput).min(1).max(32),
  limit: ZPageLimit.optional(),
});

/** The caller's sessions sharing any of the tags, most recently active first. */
export const relatedWorkspaces = authedProcedure
  .input(ZRelatedWorkspacesInput)
  .query(async ({ ctx, input }) => {
    const items = await ctx.repos.workspaceSessions.listRelated(
      ctx.user.tenantId,
      ctx.user.id,
      input.tags,
      { limit: input.limit ?? 20 },
    );
    return { items: items.map(toWorkspaceMetaOutput) };
  });
