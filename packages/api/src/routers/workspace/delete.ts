import { z } from "zod";
import { audit } from "../../lib/audit";
import { authedProcedure } from "../../trpc";
import { deletableWorkspace, ZWorkspaceId } from "./access";

export const ZDeleteWorkspaceInput = z.object({ id: ZWorkspaceId });

/**
 * Removes the session, its shares and every index entry. Its owner may (not as a Viewer),
 * and so may an Admin of the tenant, who never reads it. The folder and its files stay:
 * the owner's forks share it.
 */
export const deleteWorkspace = authedProcedure
  .input(ZDeleteWorkspaceInput)
  .mutation(async ({ ctx, input }) => {
    const meta = await deletableWorkspace(ctx, input.id);
    await ctx.repos.workspaceSessions.delete(ctx.user.tenantId, input.id);
    ctx.terminals?.endSession({ tenantId: ctx.user.tenantId, sessionId: input.id });
    await audit(ctx, {
      tenantId: ctx.user.tenantId,
      action: "workspace.deleted",
      actorUserId: ctx.user.id,
      detail: { sessionId: meta.id, name: meta.name, ownerUserId: meta.userId },
    });
    return { id: input.id, deleted: true as const };
  });
