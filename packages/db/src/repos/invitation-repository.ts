import { globalKeys, normalizeEmail, tenantKeys } from "../keyspace";
import type { Page, PageRequest } from "../models/common";
import { newId } from "../models/ids";
import { INVITATION_TTL_MS, type Invitation } from "../models/invitation";
import type { Tenant } from "../models/tenant";
import type { Role } from "../models/user";
import type { Store, Transaction } from "../store/types";
import { ConflictError, NotFoundError } from "./errors";
import { decodeJson, encodeJson, getJson, scanPage, transact } from "./internal";
import {
  checkPlanLimit,
  type EmailIndexValue,
  type MemberValue,
  readMember,
  readTenant,
  readUser,
  requireActiveTenant,
  writeMembership,
} from "./stored";

/** ("g","invitations_by_email",email,tenantId) */
export interface InvitationRef {
  invitationId: string;
}

export interface CreateInvitationInput {
  id?: string;
  tenantId: string;
  email: string;
  role: Role;
  invitedByUserId: string;
  now?: Date;
  /** Default: 14 days after `now`. */
  expiresAt?: Date;
}

/** An invitation with the tenant it leads into, as the invitee sees it. */
export interface InvitationWithTenant {
  invitation: Invitation;
  tenant: Pick<Tenant, "id" | "name" | "type">;
}

export interface AcceptedInvitation {
  invitationId: string;
  tenantId: string;
  role: Role;
  addedAt: string;
}

function isOpen(inv: Invitation, nowMs: number): boolean {
  return Date.parse(inv.expiresAt) > nowMs;
}

/** Removes an invitation and its email entry. */
function clearInvitation(tx: Transaction, inv: Invitation): void {
  tx.clear(tenantKeys(inv.tenantId).invitation(inv.id));
  tx.clear(globalKeys.invitationByEmail(inv.email, inv.tenantId));
}

/** The invitation `id` addressed to `email`, open at `nowMs`, or undefined. */
async function readInvitationFor(
  tx: Transaction,
  email: string,
  id: string,
  nowMs: number,
): Promise<Invitation | undefined> {
  const r = globalKeys.invitationsByEmailRange(email);
  for (const row of await tx.getRange(r.begin, r.end)) {
    if (decodeJson<InvitationRef>(row.value).invitationId !== id) continue;
    const tenantId = globalKeys.invitationsByEmailSpace.unpack(row.key)[1] as string;
    const inv = await getJson<Invitation>(tx, tenantKeys(tenantId).invitation(id));
    return inv && isOpen(inv, nowMs) ? inv : undefined;
  }
  return undefined;
}

/** The user's membership that accepting `invitationId` started, if one did. */
async function membershipFrom(
  tx: Transaction,
  userId: string,
  invitationId: string,
): Promise<{ tenantId: string; role: Role; addedAt: string } | undefined> {
  const r = globalKeys.userTenantsRange(userId);
  for (const row of await tx.getRange(r.begin, r.end)) {
    const m = decodeJson<MemberValue>(row.value);
    if (m.invitationId !== invitationId) continue;
    const tenantId = globalKeys.userTenantsSpace.unpack(row.key)[1] as string;
    return { tenantId, role: m.role, addedAt: m.addedAt };
  }
  return undefined;
}

/**
 * Invitations into a tenant: (t,"invitations",id) records with a
 * ("g","invitations_by_email",email,tenantId) entry each, written together. One open
 * invitation per email and tenant; inviting again replaces it. Accepting, declining and
 * revoking remove it (the audit log keeps the history); an expired one is never shown or
 * accepted.
 */
export class InvitationRepository {
  constructor(private readonly store: Store) {}

  /**
   * Invites `email` (whether or not it has an account). An address that is already a
   * member is ConflictError; the tenant must be active.
   */
  async create(input: CreateInvitationInput): Promise<Invitation> {
    const now = input.now ?? new Date();
    const inv: Invitation = {
      id: input.id ?? newId(),
      tenantId: input.tenantId,
      email: normalizeEmail(input.email),
      role: input.role,
      invitedByUserId: input.invitedByUserId,
      createdAt: now.toISOString(),
      expiresAt: (input.expiresAt ?? new Date(now.getTime() + INVITATION_TTL_MS)).toISOString(),
    };
    const keys = tenantKeys(input.tenantId);
    const emailKey = globalKeys.invitationByEmail(inv.email, inv.tenantId);
    return transact(this.store, async (tx) => {
      const mine = await getJson<Invitation>(tx, keys.invitation(inv.id));
      if (mine) return mine; // this call's own earlier commit
      await requireActiveTenant(tx, inv.tenantId);
      const account = await getJson<EmailIndexValue>(tx, globalKeys.userByEmail(inv.email));
      if (account && (await readMember(tx, inv.tenantId, account.userId))) {
        throw new ConflictError("already_exists", "that person is already a member");
      }
      const previous = await getJson<InvitationRef>(tx, emailKey);
      if (previous) tx.clear(keys.invitation(previous.invitationId));
      tx.set(keys.invitation(inv.id), encodeJson(inv));
      tx.set(emailKey, encodeJson({ invitationId: inv.id } satisfies InvitationRef));
      return inv;
    });
  }

  /** The tenant's open invitations, in id (so creation) order. */
  async listByTenant(
    tenantId: string,
    req?: PageRequest & { now?: Date },
  ): Promise<Page<Invitation>> {
    const nowMs = (req?.now ?? new Date()).getTime();
    const keys = tenantKeys(tenantId);
    return this.store.transact(async (tx) => {
      const { rows, nextCursor } = await scanPage(tx, keys.invitationsSpace.prefix, req);
      const items = rows
        .map((r) => decodeJson<Invitation>(r.value))
        .filter((i) => isOpen(i, nowMs));
      return { items, nextCursor };
    });
  }

  /** The open invitations addressed to `email`, each with its tenant. */
  async listForEmail(email: string, opts?: { now?: Date }): Promise<InvitationWithTenant[]> {
    const nowMs = (opts?.now ?? new Date()).getTime();
    return this.store.transact(async (tx) => {
      const r = globalKeys.invitationsByEmailRange(email);
      const out: InvitationWithTenant[] = [];
      for (const row of await tx.getRange(r.begin, r.end)) {
        const tenantId = globalKeys.invitationsByEmailSpace.unpack(row.key)[1] as string;
        const { invitationId } = decodeJson<InvitationRef>(row.value);
        const inv = await getJson<Invitation>(tx, tenantKeys(tenantId).invitation(invitationId));
        const tenant = await readTenant(tx, tenantId);
        if (!inv || !isOpen(inv, nowMs) || tenant?.status !== "active") continue;
        out.push({
          invitation: inv,
          tenant: { id: tenant.id, name: tenant.name, type: tenant.type },
        });
      }
      return out;
    });
  }

  /**
   * Accepts the invitation `id` addressed to `email` on behalf of `userId` (whose account
   * has that email): the membership starts with the invited role, the plan's maxUsers
   * checked in the same transaction (LimitError), and the invitation is gone. A missing,
   * expired or someone else's invitation is NotFoundError.
   */
  async accept(
    email: string,
    userId: string,
    id: string,
    opts?: { now?: Date },
  ): Promise<AcceptedInvitation> {
    const now = opts?.now ?? new Date();
    const nowIso = now.toISOString();
    return transact(this.store, async (tx) => {
      const inv = await readInvitationFor(tx, email, id, now.getTime());
      if (!inv) {
        // This call's own earlier commit (commit_unknown_result) left no invitation and a
        // membership that names it.
        const mine = await membershipFrom(tx, userId, id);
        if (mine) return { invitationId: id, ...mine };
        throw new NotFoundError("invitation", id);
      }
      const user = await readUser(tx, userId);
      if (!user || normalizeEmail(user.email) !== inv.email) {
        throw new NotFoundError("invitation", id);
      }
      const tenant = await requireActiveTenant(tx, inv.tenantId);
      clearInvitation(tx, inv);
      const existing = await readMember(tx, inv.tenantId, userId);
      const accepted = { invitationId: inv.id, tenantId: inv.tenantId };
      if (existing) return { ...accepted, role: existing.role, addedAt: existing.addedAt };
      const members = tenantKeys(inv.tenantId).membersSpace.range();
      await checkPlanLimit(tx, "maxUsers", members, tenant.settings.maxUsers);
      const member: MemberValue = { role: inv.role, addedAt: nowIso, invitationId: inv.id };
      writeMembership(tx, inv.tenantId, userId, member);
      return { ...accepted, role: member.role, addedAt: member.addedAt };
    });
  }

  /** Declines (removes) the open invitation `id` addressed to `email`. */
  async decline(email: string, id: string, opts?: { now?: Date }): Promise<Invitation> {
    const nowMs = (opts?.now ?? new Date()).getTime();
    return transact(this.store, async (tx) => {
      const inv = await readInvitationFor(tx, email, id, nowMs);
      if (!inv) throw new NotFoundError("invitation", id);
      clearInvitation(tx, inv);
      return inv;
    });
  }

  /** Revokes the tenant's invitation `id` (expired ones too, which only clears them). */
  async revoke(tenantId: string, id: string): Promise<Invitation> {
    return transact(this.store, async (tx) => {
      const inv = await getJson<Invitation>(tx, tenantKeys(tenantId).invitation(id));
      if (!inv) throw new NotFoundError("invitation", id);
      clearInvitation(tx, inv);
      return inv;
    });
  }
}

/**
 * Up to `limit` of the tenant's invitations removed with their email entries (a tenant's
 * delete, in batches); returns how many.
 */
export async function clearTenantInvitations(
  tx: Transaction,
  tenantId: string,
  limit: number,
): Promise<number> {
  const r = tenantKeys(tenantId).invitationsSpace.range();
  const rows = await tx.getRange(r.begin, r.end, { limit });
  for (const row of rows) clearInvitation(tx, decodeJson<Invitation>(row.value));
  return rows.length;
}
