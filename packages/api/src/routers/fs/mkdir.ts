import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { sessionFiles, ZFsPath, ZWorkspaceId } from "./files";

export const ZFsMkdirInput = z.object({ workspaceId: ZWorkspaceId, path: ZFsPath });

/** Makes a folder and its missing parents: `{path, created}` (false if it was there). */
export const fsMkdir = authedProcedure.input(ZFsMkdirInput).mutation(async ({ ctx, input }) => {
  const { files } = await sessionFiles(ctx, input.workspaceId, "write");
  return files.mkdir(input.path);
});
