import { z } from "zod";
import { toWorkspaceSessionOutput } from "../../lib/outputs";
import { requireWriter } from "../../lib/roles";
import { authedProcedure } from "../../trpc";
import { readableWorkspace, ZWorkspaceId } from "./access";
import { ZWorkspaceName } from "./create";

export const ZForkWorkspaceInput = z.object({ id: ZWorkspaceId, name: ZWorkspaceName });

/** A copy of a session's whole state, owned by the caller, with parentSessionId = id. */
export const forkWorkspace = authedProcedure
  .input(ZForkWorkspaceInput)
  .mutation(async ({ ctx, input }) => {
    requireWriter(ctx.user);
    await readableWorkspace(ctx, input.id);
    const session = await ctx.repos.workspaceSessions.fork(ctx.user.tenantId, input.id, {
      name: input.name,
      userId: ctx.user.id,
      now: ctx.now(),
    });
    return toWorkspaceSessionOutput(session);
  });
