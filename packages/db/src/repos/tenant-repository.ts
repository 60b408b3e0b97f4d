import { globalKeys, type KeyRange, tenantKeys } from "../keyspace";
import type { AuthSession } from "../models/auth-session";
import type { Page, PageRequest } from "../models/common";
import { newId } from "../models/ids";
import {
  type Plan,
  planDefaults,
  type Tenant,
  type TenantSettings,
  type TenantType,
} from "../models/tenant";
import type { Role } from "../models/user";
import type { Store, Transaction } from "../store/types";
import { ConflictError, NotFoundError } from "./errors";
import { decodeJson, EMPTY_VALUE, encodeJson, scanPage, transact } from "./internal";
import { clearTenantInvitations } from "./invitation-repository";
import {
  clearMembership,
  deleteAuthSession,
  readTenant,
  readUserHome,
  writeMembership,
} from "./stored";
import { deleteUserCompletely } from "./user-repository";

export interface CreateTenantInput {
  id?: string;
  name: string;
  type?: TenantType;
  plan?: Plan;
  /** Overrides of the plan's default settings. */
  settings?: Partial<TenantSettings>;
  /** Made a member with this role in the same transaction (an Organization's creator). */
  owner?: { userId: string; role?: Role };
  now?: Date;
}

export interface UpdateTenantInput {
  name?: string;
  /** A plan change resets the settings to the new plan's defaults, then applies `settings`. */
  plan?: Plan;
  settings?: Partial<TenantSettings>;
  status?: "active" | "suspended";
  now?: Date;
}

export interface DeleteTenantOptions {
  /** Records handled per transaction (default 500); keeps each one far inside FDB's limits. */
  batchSize?: number;
}

export class TenantRepository {
  constructor(private readonly store: Store) {}

  /** How many members and workspace sessions the tenant has (what its plan limits count). */
  async usage(tenantId: string): Promise<{ members: number; workspaces: number }> {
    const keys = tenantKeys(tenantId);
    return this.store.transact(async (tx) => {
      const count = async (r: KeyRange) => (await tx.getRange(r.begin, r.end)).length;
      const [members, workspaces] = await Promise.all([
        count(keys.membersSpace.range()),
        count(keys.wsByUserSpace.range()),
      ]);
      return { members, workspaces };
    });
  }

  async create(input: CreateTenantInput): Promise<Tenant> {
    const now = (input.now ?? new Date()).toISOString();
    const plan = input.plan ?? "Free";
    const tenant: Tenant = {
      id: input.id ?? newId(),
      name: input.name,
      type: input.type ?? "Organization",
      plan,
      settings: { ...planDefaults(plan), ...input.settings },
      status: "active",
      createdAt: now,
      updatedAt: now,
    };
    const owner = input.owner;
    return transact(this.store, async (tx) => {
      const keys = tenantKeys(tenant.id);
      const existing = await readTenant(tx, tenant.id);
      if (existing) {
        // The same createdAt means this very call already committed (commit_unknown_result).
        if (existing.createdAt === tenant.createdAt) return existing;
        throw new ConflictError("already_exists", `tenant ${tenant.id} already exists`);
      }
      if (owner) {
        if ((await readUserHome(tx, owner.userId)) === undefined) {
          throw new NotFoundError("user", owner.userId);
        }
        writeMembership(tx, tenant.id, owner.userId, {
          role: owner.role ?? "Admin",
          addedAt: now,
        });
      }
      tx.set(keys.tenant(), encodeJson(tenant));
      tx.set(globalKeys.tenantActive(tenant.id), EMPTY_VALUE);
      return tenant;
    });
  }

  async getById(tenantId: string): Promise<Tenant | null> {
    return this.store.transact(async (tx) => (await readTenant(tx, tenantId)) ?? null);
  }

  async update(tenantId: string, patch: UpdateTenantInput): Promise<Tenant> {
    const now = (patch.now ?? new Date()).toISOString();
    return transact(this.store, async (tx) => {
      const tenant = await readTenant(tx, tenantId);
      if (!tenant) throw new NotFoundError("tenant", tenantId);
      if (tenant.status === "deleting") {
        throw new ConflictError("tenant_not_active", `tenant ${tenantId} is being deleted`);
      }
      const plan = patch.plan ?? tenant.plan;
      const base = patch.plan && patch.plan !== tenant.plan ? planDefaults(plan) : tenant.settings;
      const next: Tenant = {
        ...tenant,
        name: patch.name ?? tenant.name,
        plan,
        settings: { ...base, ...patch.settings },
        status: patch.status ?? tenant.status,
        updatedAt: now,
      };
      tx.set(tenantKeys(tenantId).tenant(), encodeJson(next));
      syncActiveIndex(tx, next);
      return next;
    });
  }

  /**
   * Removes the tenant: its whole key range plus every global entry pointing into it.
   * Runs as a series of bounded transactions — first the tenant is marked "deleting"
   * (leaving tenants_active), then home users, memberships and auth sessions go in
   * batches with their global entries, and one last range clear removes the rest. Each
   * step leaves the keyspace consistent; an interrupted delete is finished by calling
   * delete again.
   */
  async delete(tenantId: string, opts?: DeleteTenantOptions): Promise<void> {
    const batch = Math.max(1, opts?.batchSize ?? 500);
    const keys = tenantKeys(tenantId);
    const started = await transact(this.store, async (tx) => {
      const tenant = await readTenant(tx, tenantId);
      if (!tenant) return false;
      if (tenant.status !== "deleting") {
        const next: Tenant = { ...tenant, status: "deleting" };
        tx.set(keys.tenant(), encodeJson(next));
        syncActiveIndex(tx, next);
      }
      return true;
    });
    if (!started) return;

    for (;;) {
      // Users whose home is this tenant: deleting one also removes its memberships elsewhere.
      const users = await this.store.transact((tx) => {
        const r = keys.usersSpace.range();
        return tx.getRange(r.begin, r.end, { limit: 1 });
      });
      if (users.length > 0) {
        await deleteUserCompletely(
          this.store,
          keys.usersSpace.unpack(users[0]!.key)[0] as string,
          batch,
        );
        continue;
      }
      const finished = await transact(this.store, async (tx) => {
        // Members from other tenants: both sides of each membership.
        const m = keys.membersSpace.range();
        const members = await tx.getRange(m.begin, m.end, { limit: batch });
        for (const row of members) {
          clearMembership(tx, tenantId, keys.membersSpace.unpack(row.key)[0] as string);
        }
        if (members.length > 0) return false;
        // Auth sessions: each has a global entry (the refresh-token lookup).
        const a = keys.authSpace.range();
        const sessions = await tx.getRange(a.begin, a.end, { limit: batch });
        for (const row of sessions) deleteAuthSession(tx, decodeJson<AuthSession>(row.value));
        if (sessions.length > 0) return false;
        // Invitations: each has a global entry (the invitee's lookup by email).
        if ((await clearTenantInvitations(tx, tenantId, batch)) > 0) return false;
        const u = keys.usersSpace.range();
        if ((await tx.getRange(u.begin, u.end, { limit: 1 })).length > 0) return false;
        // This transaction saw no user, member, auth session or invitation left, so nothing global
        // points into the tenant: one range clear (a single mutation in FDB) ends it.
        const r = keys.root.range();
        tx.clearRange(r.begin, r.end);
        tx.clear(globalKeys.tenantActive(tenantId));
        return true;
      });
      if (finished) return;
    }
  }

  /** Active tenants in id order. */
  async listActive(req?: PageRequest): Promise<Page<Tenant>> {
    return this.store.transact(async (tx) => {
      const space = globalKeys.tenantsActiveSpace;
      const { rows, nextCursor } = await scanPage(tx, space.prefix, req);
      // Read together: on a cluster each read is a round trip.
      const tenants = await Promise.all(
        rows.map((row) => readTenant(tx, space.unpack(row.key)[0] as string)),
      );
      const items = tenants.filter((t): t is Tenant => t !== undefined);
      return { items, nextCursor };
    });
  }
}

/** tenants_active holds exactly the tenants whose status is active. */
function syncActiveIndex(tx: Transaction, tenant: Tenant): void {
  const key = globalKeys.tenantActive(tenant.id);
  if (tenant.status === "active") tx.set(key, EMPTY_VALUE);
  else tx.clear(key);
}
