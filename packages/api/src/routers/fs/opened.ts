import { FileError, languageOf } from "@hearth/runtime";
import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { sessionFiles, toFileOutput, ZFsPath, ZWorkspaceId } from "./files";

export const ZFsOpenedInput = z.object({ workspaceId: ZWorkspaceId, path: ZFsPath });

/**
 * The editor opened a file: the File model records lastOpenedAt and one more open, which
 * puts it first in quick open and in fs.recent. `{file}`; a member the session is shared
 * with reads without leaving a trace in the owner's records (`file: null`).
 */
export const fsOpened = authedProcedure.input(ZFsOpenedInput).mutation(async ({ ctx, input }) => {
  const { meta, isOwner, files } = await sessionFiles(ctx, input.workspaceId, "read");
  const st = await files.stat(input.path);
  if (st.kind !== "file") {
    throw new FileError("invalid", `"${st.path}" is a folder, not a file.`);
  }
  if (!isOwner) return { file: null };
  const file = await ctx.repos.files.recordOpen(ctx.user.tenantId, meta, {
    path: st.path,
    size: st.size,
    language: languageOf(st.path),
    now: ctx.now(),
  });
  return { file: toFileOutput(file) };
});
