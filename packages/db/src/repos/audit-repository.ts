import { tenantKeys } from "../keyspace";
import type { AuditEvent } from "../models/audit-event";
import type { Page, PageRequest } from "../models/common";
import { newId } from "../models/ids";
import type { Store } from "../store/types";
import { NotFoundError } from "./errors";
import { dateMs, decodeJson, encodeJson, scanPage, transact } from "./internal";
import { readTenant } from "./stored";

export interface AppendAuditInput {
  id?: string;
  tenantId: string;
  action: string;
  actorUserId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  detail?: AuditEvent["detail"];
  at?: Date;
}

/** The tenant's audit log: (t,"audit",countdown(at),id), so a forward scan is newest first. */
export class AuditRepository {
  constructor(private readonly store: Store) {}

  /** Appends an event to an existing tenant's log (idempotent: the id is made outside). */
  async append(input: AppendAuditInput): Promise<AuditEvent> {
    const at = input.at ?? new Date();
    const event: AuditEvent = {
      id: input.id ?? newId(at.getTime()),
      at: at.toISOString(),
      action: input.action,
      actorUserId: input.actorUserId ?? null,
      tenantId: input.tenantId,
      ipAddress: input.ipAddress ?? null,
      userAgent: input.userAgent ?? null,
      detail: input.detail ?? {},
    };
    const key = tenantKeys(event.tenantId).audit(dateMs(event.at), event.id);
    const value = encodeJson(event);
    return transact(this.store, async (tx) => {
      // Events of a deleted tenant would be orphans under a cleared prefix.
      if (!(await readTenant(tx, event.tenantId)))
        throw new NotFoundError("tenant", event.tenantId);
      tx.set(key, value);
      return event;
    });
  }

  /** Newest first, paged. */
  async list(tenantId: string, req?: PageRequest): Promise<Page<AuditEvent>> {
    return this.store.transact(async (tx) => {
      const { rows, nextCursor } = await scanPage(tx, tenantKeys(tenantId).auditSpace.prefix, req);
      return { items: rows.map((r) => decodeJson<AuditEvent>(r.value)), nextCursor };
    });
  }
}
