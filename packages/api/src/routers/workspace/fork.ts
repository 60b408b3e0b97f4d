import { z } from "zod";
import { toWorkspaceSessionOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";
import { copyFolderForFork } from "../fs/copy-for-fork";
import { requireWorkspaceAccess, ZWorkspaceId } from "./access";
import { ZWorkspaceName } from "./create";

export const ZForkWorkspaceInput = z.object({
  id: ZWorkspaceId,
  name: ZWorkspaceName,
  /** Give the fork its own copy of the folder (a new folder name) instead of sharing it. */
  copyFiles: z.boolean().optional(),
});

/**
 * A copy of a session's whole state with parentSessionId = id, for its owner: a fork holds
 * the terminal's environment and opens the same folder (under the owner's root), or with
 * copyFiles its own copy of it, so a session shared read-only cannot be forked.
 */
export const forkWorkspace = authedProcedure
  .input(ZForkWorkspaceInput)
  .mutation(async ({ ctx, input }) => {
    await requireWorkspaceAccess(ctx, input.id, "write");
    // The copy first: over the cap nothing is made; a fork refused after it removes it.
    const copy = input.copyFiles ? await copyFolderForFork(ctx, input.id) : null;
    try {
      const session = await ctx.repos.workspaceSessions.fork(ctx.user.tenantId, input.id, {
        name: input.name,
        userId: ctx.user.id,
        workspacePath: copy?.workspacePath,
        now: ctx.now(),
      });
      return toWorkspaceSessionOutput(session);
    } catch (err) {
      await copy?.discard();
      throw err;
    }
  });
