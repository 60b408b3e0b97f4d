import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { sessionFiles, ZFsPath, ZWorkspaceId } from "./files";

export const ZFsListInput = z.object({ workspaceId: ZWorkspaceId, path: ZFsPath.default("") });

/** One folder level: `{path, entries: [{name, kind, size, mtimeMs}]}`, folders first. */
export const fsList = authedProcedure.input(ZFsListInput).query(async ({ ctx, input }) => {
  const { files } = await sessionFiles(ctx, input.workspaceId, "read");
  return files.list(input.path);
});
