import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { sessionFiles, ZFsPath, ZWorkspaceId } from "./files";

export const ZFsDeleteInput = z.object({ workspaceId: ZWorkspaceId, path: ZFsPath });

/**
 * Deletes a file, a symlink (not its target) or a folder with all in it; never the
 * workspace folder itself. `{path, kind}`; the File model's records go in the same call.
 */
export const fsDelete = authedProcedure.input(ZFsDeleteInput).mutation(async ({ ctx, input }) => {
  const { meta, files } = await sessionFiles(ctx, input.workspaceId, "write");
  const deleted = await files.delete(input.path);
  await ctx.repos.files.drop(ctx.user.tenantId, meta, deleted.path);
  return deleted;
});
