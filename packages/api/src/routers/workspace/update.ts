import { z } from "zod";
import { toWorkspaceMetaOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";
import { requireWorkspaceAccess, ZWorkspaceId } from "./access";
import { ZTags, ZWorkspaceName } from "./create";

export const ZUpdateWorkspaceInput = z.object({
  id: ZWorkspaceId,
  name: ZWorkspaceName.optional(),
  tags: ZTags.optional(),
});

export const updateWorkspace = authedProcedure
  .input(ZUpdateWorkspaceInput)
  .mutation(async ({ ctx, input }) => {
    await requireWorkspaceAccess(ctx, input.id, "write");
    const meta = await ctx.repos.workspaceSessions.updateMeta(ctx.user.tenantId, input.id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
      now: ctx.now(),
    });
    return toWorkspaceMetaOutput(meta);
  });
