import { toAuditEventOutput } from "../../lib/outputs";
import { ZPageInput } from "../../lib/paging";
import { adminProcedure } from "../../trpc";

export const ZAuditListInput = ZPageInput;

/** The tenant's audit log, newest first. */
export const listAuditEvents = adminProcedure
  .input(ZAuditListInput)
  .query(async ({ ctx, input }) => {
    const page = await ctx.repos.audit.list(ctx.user.tenantId, {
      limit: input?.limit ?? 50,
      cursor: input?.cursor ?? null,
    });
    return { items: page.items.map(toAuditEventOutput), nextCursor: page.nextCursor };
  });
