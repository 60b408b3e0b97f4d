import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { sessionFiles, ZWorkspaceId } from "./files";

export const ZFsSearchInput = z.object({
  workspaceId: ZWorkspaceId,
  query: z.string().max(1000),
  limit: z.number().int().min(1).max(200).optional(),
});

/** Files a quick open keeps in view: recently opened first, then the best names. */
const RECENT_CONSIDERED = 50;

/**
 * Quick open: `{items: [{path, score, recent, matches}]}`, fuzzy file-name matches over a
 * maintained index of the folder (no walk per keystroke), the session's recently opened
 * files first.
 */
export const fsSearch = authedProcedure.input(ZFsSearchInput).query(async ({ ctx, input }) => {
  const { meta, files } = await sessionFiles(ctx, input.workspaceId, "read");
  const recent = await ctx.repos.files.openedInWorkspace(
    ctx.user.tenantId,
    meta.id,
    RECENT_CONSIDERED,
  );
  const items = await files.search(input.query, { limit: input.limit ?? 50, recent });
  return { items };
});
