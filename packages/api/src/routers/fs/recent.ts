import { ZPageInput } from "../../lib/paging";
import { authedProcedure } from "../../trpc";
import { toFileOutput, type WorkspaceFileOutput } from "./files";

/**
 * The caller's recently opened files across their workspace sessions, newest first:
 * `{items: [{workspaceId, workspaceName, path, language, size, lastOpenedAt, ...}],
 * nextCursor}`.
 */
export const fsRecent = authedProcedure.input(ZPageInput).query(async ({ ctx, input }) => {
  const page = await ctx.repos.files.recentOfUser(ctx.user.tenantId, ctx.user.id, input);
  const names = new Map<string, string | null>();
  const items: Array<WorkspaceFileOutput & { workspaceName: string | null }> = [];
  for (const f of page.items) {
    if (!names.has(f.sessionId)) {
      const meta = await ctx.repos.workspaceSessions.getMeta(ctx.user.tenantId, f.sessionId);
      names.set(f.sessionId, meta?.name ?? null);
    }
    items.push({ ...toFileOutput(f), workspaceName: names.get(f.sessionId) ?? null });
  }
  return { items, nextCursor: page.nextCursor };
});
