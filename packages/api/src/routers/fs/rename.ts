import { languageOf } from "@hearth/runtime";
import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { sessionFiles, ZFsPath, ZWorkspaceId } from "./files";

export const ZFsRenameInput = z.object({
  workspaceId: ZWorkspaceId,
  from: ZFsPath,
  to: ZFsPath,
  /** Replace what is at `to`; without it an existing `to` is CONFLICT. */
  overwrite: z.boolean().optional(),
});

/**
 * Moves a file or folder: `{from, to, kind}`. The File model's records of it (and of all
 * below a folder) move in the same call.
 */
export const fsRename = authedProcedure.input(ZFsRenameInput).mutation(async ({ ctx, input }) => {
  const { meta, files } = await sessionFiles(ctx, input.workspaceId, "write");
  const moved = await files.rename(input.from, input.to, { overwrite: input.overwrite });
  await ctx.repos.files.move(ctx.user.tenantId, meta, moved.from, moved.to, languageOf);
  return moved;
});
