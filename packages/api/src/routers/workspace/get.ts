import { NotFoundError } from "@hearth/db";
import { z } from "zod";
import { toWorkspaceSessionOutput } from "../../lib/outputs";
import { authedProcedure } from "../../trpc";
import { ZWorkspaceId } from "./access";

export const ZGetWorkspaceInput = z.object({ id: ZWorkspaceId });

/** The whole session, for resuming it. Any member of the tenant may read it. */
export const getWorkspace = authedProcedure
  .input(ZGetWorkspaceInput)
  .query(async ({ ctx, input }) => {
    const session = await ctx.repos.workspaceSessions.getById(ctx.user.tenantId, input.id);
    if (!session) throw new NotFoundError("workspace session", input.id);
    return toWorkspaceSessionOutput(session);
  });
