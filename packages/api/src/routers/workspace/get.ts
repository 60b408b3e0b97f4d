import { NotFoundError } from "@hearth/db";
import { z } from "zod";
import { toWorkspaceSessionOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";
import { terminalsView } from "../terminal/session-view";
import { requireWorkspaceAccess, ZWorkspaceId } from "./access";

export const ZGetWorkspaceInput = z.object({ id: ZWorkspaceId });

/**
 * The whole session, for resuming it: for its owner, and read-only for members it is
 * shared with, who get the terminal's environment variables empty (they may hold tokens).
 */
export const getWorkspace = authedProcedure
  .input(ZGetWorkspaceInput)
  .query(async ({ ctx, input }) => {
    const { isOwner } = await requireWorkspaceAccess(ctx, input.id, "read");
    const session = await ctx.repos.workspaceSessions.getById(ctx.user.tenantId, input.id);
    if (!session) throw new NotFoundError("workspace session", input.id);
    const out = toWorkspaceSessionOutput(session);
    const saved = await ctx.repos.workspaceTerminals.get(ctx.user.tenantId, input.id);
    const { terminal, terminals } = terminalsView(out.terminal, saved);
    out.terminal = terminal;
    if (!isOwner) out.terminal = { ...out.terminal, environmentVars: {} };
    return { ...out, terminals };
  });
