import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { sessionFiles, ZFsPath, ZWorkspaceId } from "./files";

export const ZFsReadInput = z.object({ workspaceId: ZWorkspaceId, path: ZFsPath });

/**
 * `{path, content, encoding, binary, tooLarge, size, mtimeMs}`: content is null for a
 * binary file or one over HEARTH_MAX_FILE_BYTES. Pass mtimeMs back to fs.write.
 */
export const fsRead = authedProcedure.input(ZFsReadInput).query(async ({ ctx, input }) => {
  const { files } = await sessionFiles(ctx, input.workspaceId, "read");
  return files.read(input.path);
});
