import { ValidationError, ZRecordId } from "@hearth/db";
import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { requireWorkspaceAccess, ZWorkspaceId } from "./access";

export const ZShareWorkspaceInput = z.object({
  id: ZWorkspaceId,
  userIds: z.array(ZRecordId).max(100).optional(),
  tenant: z.boolean().optional(),
});

function requireTargets(input: z.infer<typeof ZShareWorkspaceInput>): void {
  if (!input.tenant && !input.userIds?.length) {
    throw new ValidationError("Name members in userIds, or set tenant to true.");
  }
}

/** Who the session is shared with now, as share and unshare answer. */
export interface WorkspaceSharesOutput {
  id: string;
  userIds: string[];
  tenant: boolean;
}

/**
 * The owner shares their session read-only with chosen members and/or the whole tenant.
 * A member named who is not in the tenant is NOT_FOUND; sharing again changes nothing.
 */
export const shareWorkspace = authedProcedure
  .input(ZShareWorkspaceInput)
  .mutation(async ({ ctx, input }): Promise<WorkspaceSharesOutput> => {
    requireTargets(input);
    await requireWorkspaceAccess(ctx, input.id, "write");
    const shares = await ctx.repos.workspaceShares.share(
      ctx.user.tenantId,
      input.id,
      { userIds: input.userIds ?? [], tenant: input.tenant ?? false },
      { sharedByUserId: ctx.user.id, now: ctx.now() },
    );
    return { id: input.id, userIds: shares.userIds, tenant: shares.tenant };
  });

/**
 * The owner ends shares (absent ones are no-ops); the members lose access on their next
 * request. An owner demoted to Viewer may still unshare, never share.
 */
export const unshareWorkspace = authedProcedure
  .input(ZShareWorkspaceInput)
  .mutation(async ({ ctx, input }): Promise<WorkspaceSharesOutput> => {
    requireTargets(input);
    await requireWorkspaceAccess(ctx, input.id, "owner");
    const shares = await ctx.repos.workspaceShares.unshare(ctx.user.tenantId, input.id, {
      userIds: input.userIds ?? [],
      tenant: input.tenant ?? false,
    });
    return { id: input.id, userIds: shares.userIds, tenant: shares.tenant };
  });
