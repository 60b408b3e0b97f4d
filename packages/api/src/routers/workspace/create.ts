import { z } from "zod";
import { ZTagInput } from "../../lib/key-text";
import { toWorkspaceSessionOutput } from "../../lib/outputs";
import { requireWriter } from "../../lib/roles";
import { ensureWorkspaceFolder, ZWorkspacePath } from "../../lib/workspace-path";
import { authedProcedure } from "../../trpc";

export const ZWorkspaceName = z.string().trim().min(1).max(200);
export const ZTags = z.array(ZTagInput).max(32);

export const ZCreateWorkspaceInput = z.object({
  name: ZWorkspaceName,
  path: ZWorkspacePath,
  tags: ZTags.optional(),
});

export const createWorkspace = authedProcedure
  .input(ZCreateWorkspaceInput)
  .mutation(async ({ ctx, input }) => {
    requireWriter(ctx.user);
    // The folder first, under the caller's own root: a refused path must not leave a
    // session behind. An empty folder
    // left by a session refused later (plan limit) is harmless and reused next time.
    await ensureWorkspaceFolder(
      ctx.config.workspacesDir,
      ctx.user.tenantId,
      ctx.user.id,
      input.path,
    );
    const session = await ctx.repos.workspaceSessions.create({
      tenantId: ctx.user.tenantId,
      userId: ctx.user.id,
      name: input.name,
      workspacePath: input.path,
      tags: input.tags ?? [],
      now: ctx.now(),
    });
    return toWorkspaceSessionOutput(session);
  });
