import { languageOf } from "@hearth/runtime";
import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { sessionFiles, ZFsPath, ZWorkspaceId } from "./files";

export const ZFsWriteInput = z.object({
  workspaceId: ZWorkspaceId,
  path: ZFsPath,
  content: z.string(),
  /** The mtimeMs the content was based on: a file changed on disk since is CONFLICT. */
  expectedMtimeMs: z.number().nonnegative().optional(),
});

/**
 * Saves a file atomically (missing folders made): `{path, size, mtimeMs, created}`. A stale
 * expectedMtimeMs is CONFLICT with `data.currentMtimeMs`; over HEARTH_MAX_FILE_BYTES is
 * PAYLOAD_TOO_LARGE. The File model records the edit.
 */
export const fsWrite = authedProcedure.input(ZFsWriteInput).mutation(async ({ ctx, input }) => {
  const { meta, files } = await sessionFiles(ctx, input.workspaceId, "write");
  const written = await files.write(input.path, input.content, {
    expectedMtimeMs: input.expectedMtimeMs,
  });
  await ctx.repos.files.recordEdit(ctx.user.tenantId, meta, {
    path: written.path,
    size: written.size,
    language: languageOf(written.path),
    now: ctx.now(),
  });
  return written;
});
