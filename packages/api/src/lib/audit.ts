import type { AuditEvent } from "@hearth/db";
import type { Context } from "../context";

/**
 * Appends an audit event with the caller's IP and user agent. The change it records has
 * already happened, so a failure to write the event is logged rather than turned into an
 * error for a caller whose action succeeded.
 */
export async function audit(
  ctx: Pick<Context, "repos" | "req" | "now" | "log">,
  event: {
    tenantId: string;
    action: string;
    actorUserId: string | null;
    detail?: AuditEvent["detail"];
  },
): Promise<void> {
  try {
    await ctx.repos.audit.append({
      ...event,
      ipAddress: ctx.req.ip || null,
      userAgent: ctx.req.userAgent ? ctx.req.userAgent.slice(0, 512) : null,
      at: ctx.now(),
    });
  } catch (err) {
    ctx.log.error({ err, action: event.action }, "audit event could not be written");
  }
}
