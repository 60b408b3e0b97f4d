import { z } from "zod";
import { audit } from "../../lib/audit";
import { requireWriter } from "../../lib/roles";
import { authedProcedure } from "../../trpc";
import { readableWorkspace, requireOwner, ZWorkspaceId } from "./access";

export const ZDeleteWorkspaceInput = z.object({ id: ZWorkspaceId });

/**
 * Removes the session and every index entry. Its owner may, and so may an Admin of the
 * tenant. The folder and its files stay: they may be shared with forks.
 */
export const deleteWorkspace = authedProcedure
  .input(ZDeleteWorkspaceInput)
  .mutation(async ({ ctx, input }) => {
    const meta = await readableWorkspace(ctx, input.id);
    if (ctx.user.role === "Admin") requireWriter(ctx.user);
    else requireOwner(ctx.user, meta);
    await ctx.repos.workspaceSessions.delete(ctx.user.tenantId, input.id);
    await audit(ctx, {
      tenantId: ctx.user.tenantId,
      action: "workspace.deleted",
      actorUserId: ctx.user.id,
      detail: { sessionId: meta.id, name: meta.name, ownerUserId: meta.userId },
    });
    return { id: input.id, deleted: true as const };
  });
