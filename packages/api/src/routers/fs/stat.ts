import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { sessionFiles, ZFsPath, ZWorkspaceId } from "./files";

export const ZFsStatInput = z.object({ workspaceId: ZWorkspaceId, path: ZFsPath });

/** `{path, kind, size, mtimeMs}` of a file or folder (a symlink inside: of its target). */
export const fsStat = authedProcedure.input(ZFsStatInput).query(async ({ ctx, input }) => {
  const { files } = await sessionFiles(ctx, input.workspaceId, "read");
  return files.stat(input.path);
});
