import { z } from "zod";
import { toWorkspaceSessionOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";
import { requireWorkspaceAccess, ZWorkspaceId } from "./access";
import { ZWorkspaceName } from "./create";

export const ZForkWorkspaceInput = z.object({ id: ZWorkspaceId, name: ZWorkspaceName });

/**
 * A copy of a session's whole state with parentSessionId = id, for its owner: a fork holds
 * the terminal's environment and opens the same folder (under the owner's root), so a
 * session shared read-only cannot be forked.
 */
export const forkWorkspace = authedProcedure
  .input(ZForkWorkspaceInput)
  .mutation(async ({ ctx, input }) => {
    await requireWorkspaceAccess(ctx, input.id, "write");
    const session = await ctx.repos.workspaceSessions.fork(ctx.user.tenantId, input.id, {
      name: input.name,
      userId: ctx.user.id,
      now: ctx.now(),
    });
    return toWorkspaceSessionOutput(session);
  });
