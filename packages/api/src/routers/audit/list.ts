import { type AuditEvent, ZRecordId } from "@hearth/db";
import { z } from "zod";
import type { Context } from "../../context";
import { toAuditEventOutput } from "../../lib/outputs";
import { ZCursor, ZPageLimit } from "../../lib/paging";
import { adminProcedure } from "../../trpc";

export const ZAuditListInput = z
  .object({
    limit: ZPageLimit.optional(),
    cursor: ZCursor.optional(),
    /** Only events of this action, e.g. `tenant.invite`. */
    action: z.string().trim().min(1).max(100).optional(),
    /** Only events this person did. */
    actorUserId: ZRecordId.optional(),
  })
  .optional();

/** Events a filtered page looks at, at most, before it answers with what it found. */
const SCAN_PER_CALL = 2000;

/**
 * The tenant's audit log, newest first, each event with its actor's name and email,
 * optionally only one action's or one person's events. A filter is applied while reading the log (there is no index per action or
 * actor): it reads `limit` events at a time until `limit` match (a page then holds up to
 * twice `limit` less one) or 2,000 were read, so a filtered page can also hold fewer
 * than `limit` and still have a `nextCursor`, where reading goes on.
 */
export const listAuditEvents = adminProcedure
  .input(ZAuditListInput)
  .query(async ({ ctx, input }) => {
    const limit = input?.limit ?? 50;
    const wanted = (e: { action: string; actorUserId: string | null }) =>
      (input?.action === undefined || e.action === input.action) &&
      (input?.actorUserId === undefined || e.actorUserId === input.actorUserId);
    const filtered = input?.action !== undefined || input?.actorUserId !== undefined;
    if (!filtered) {
      const page = await ctx.repos.audit.list(ctx.user.tenantId, {
        limit,
        cursor: input?.cursor ?? null,
      });
      return { items: await withActors(ctx, page.items), nextCursor: page.nextCursor };
    }
    const items: AuditEvent[] = [];
    let cursor = input?.cursor ?? null;
    let scanned = 0;
    do {
      const page = await ctx.repos.audit.list(ctx.user.tenantId, { limit, cursor });
      scanned += page.items.length;
      cursor = page.nextCursor;
      for (const event of page.items) if (wanted(event)) items.push(event);
    } while (cursor && items.length < limit && scanned < SCAN_PER_CALL);
    return { items: await withActors(ctx, items), nextCursor: cursor };
  });

/** Each event with who did it as people read it (null: Hearth itself, or someone gone). */
async function withActors(ctx: Pick<Context, "repos">, events: AuditEvent[]) {
  const ids = [...new Set(events.map((e) => e.actorUserId).filter((id) => id !== null))];
  const users = await Promise.all(ids.map((id) => ctx.repos.users.getById(id)));
  const names = new Map(
    users.flatMap((u) =>
      u ? [[u.id, { firstName: u.firstName, lastName: u.lastName, email: u.email }] as const] : [],
    ),
  );
  return events.map((e) => ({
    ...toAuditEventOutput(e),
    actor: (e.actorUserId && names.get(e.actorUserId)) || null,
  }));
}
