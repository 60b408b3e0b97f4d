import { globalKeys, normalizeEmail, tenantKeys } from "../keyspace";
import type { Page, PageRequest } from "../models/common";
import { newId } from "../models/ids";
import { type Plan, planDefaults, type Tenant } from "../models/tenant";
import type { Membership, Role, User } from "../models/user";
import type { Store, Transaction } from "../store/types";
import { ConflictError, NotFoundError } from "./errors";
import { decodeJson, EMPTY_VALUE, encodeJson, getJson, scanPage, transact } from "./internal";
import {
  checkPlanLimit,
  clearMembership,
  deleteAuthSession,
  deleteWorkspace,
  type EmailIndexValue,
  type MemberValue,
  readMember,
  readTenant,
  readUser,
  readUserAuthSessions,
  readUserHome,
  readWorkspaceMeta,
  requireActiveTenant,
  revokeAllUserAuthSessions,
  revokeUserAuthSessions,
  type UserHomeValue,
  writeMembership,
} from "./stored";

export interface CreateUserInput {
  email: string;
  /** argon2id PHC string (hashing happens before, outside the transaction). */
  passwordHash: string;
  firstName: string;
  lastName: string;
  userId?: string;
  tenantId?: string;
  tenantName?: string;
  plan?: Plan;
  emailVerified?: boolean;
  now?: Date;
}

export interface UpdateUserInput {
  /** Moves the email index atomically; resets emailVerified unless it is given too. */
  email?: string;
  firstName?: string;
  lastName?: string;
  role?: Role;
  passwordHash?: string;
  emailVerified?: boolean;
  isActive?: boolean;
  lastLoginAt?: string | null;
  now?: Date;
}

export interface MemberWithUser extends Membership {
  user: User;
}

export class UserRepository {
  constructor(private readonly store: Store) {}

  /**
   * Registers a user with their own Self tenant, Admin membership and email index in one
   * transaction. A taken email (any case) throws ConflictError("email_taken"); of two
   * registrations racing for one email exactly one succeeds.
   */
  async createWithTenant(input: CreateUserInput): Promise<{ user: User; tenant: Tenant }> {
    const now = (input.now ?? new Date()).toISOString();
    const userId = input.userId ?? newId();
    const tenantId = input.tenantId ?? newId();
    const plan = input.plan ?? "Free";
    const fullName = `${input.firstName} ${input.lastName}`.trim();
    const tenant: Tenant = {
      id: tenantId,
      name: input.tenantName ?? (fullName || input.email),
      type: "Self",
      plan,
      settings: planDefaults(plan),
      status: "active",
      createdAt: now,
      updatedAt: now,
    };
    const user: User = {
      id: userId,
      tenantId,
      email: input.email.trim(),
      firstName: input.firstName,
      lastName: input.lastName,
      role: "Admin",
      passwordHash: input.passwordHash,
      emailVerified: input.emailVerified ?? false,
      isActive: true,
      lastLoginAt: null,
      createdAt: now,
      updatedAt: now,
    };
    return transact(this.store, async (tx) => {
      // This call already committed (commit_unknown_result): its user exists with its
      // createdAt, whatever has changed since (the email may have).
      const existing = await readUser(tx, userId);
      if (existing && existing.tenantId === tenantId && existing.createdAt === now) {
        const home = await readTenant(tx, tenantId);
        if (home) return { user: existing, tenant: home };
      }
      const emailKey = globalKeys.userByEmail(user.email);
      if (await tx.get(emailKey)) {
        throw new ConflictError("email_taken", "this email is already registered");
      }
      const keys = tenantKeys(tenantId);
      if ((await tx.get(keys.tenant())) || (await tx.get(globalKeys.userById(userId)))) {
        throw new ConflictError("already_exists", "the user or tenant id is already in use");
      }
      tx.set(keys.tenant(), encodeJson(tenant));
      tx.set(globalKeys.tenantActive(tenantId), EMPTY_VALUE);
      tx.set(keys.user(userId), encodeJson(user));
      tx.set(emailKey, encodeJson({ userId, tenantId } satisfies EmailIndexValue));
      tx.set(globalKeys.userById(userId), encodeJson({ tenantId } satisfies UserHomeValue));
      writeMembership(tx, tenantId, userId, { role: "Admin", addedAt: now });
      return { user, tenant };
    });
  }

  async getById(userId: string): Promise<User | null> {
    return this.store.transact(async (tx) => (await readUser(tx, userId)) ?? null);
  }

  /** Case-insensitive. */
  async getByEmail(email: string): Promise<User | null> {
    return this.store.transact(async (tx) => {
      const ref = await getJson<EmailIndexValue>(tx, globalKeys.userByEmail(email));
      if (!ref) return null;
      return (await getJson<User>(tx, tenantKeys(ref.tenantId).user(ref.userId))) ?? null;
    });
  }

  async update(userId: string, patch: UpdateUserInput): Promise<User> {
    const now = (patch.now ?? new Date()).toISOString();
    return transact(this.store, async (tx) => {
      const user = await readUser(tx, userId);
      if (!user) throw new NotFoundError("user", userId);
      const next: User = { ...user, updatedAt: now };
      if (patch.firstName !== undefined) next.firstName = patch.firstName;
      if (patch.lastName !== undefined) next.lastName = patch.lastName;
      if (patch.role !== undefined) next.role = patch.role;
      if (patch.passwordHash !== undefined) next.passwordHash = patch.passwordHash;
      if (patch.emailVerified !== undefined) next.emailVerified = patch.emailVerified;
      if (patch.isActive !== undefined) next.isActive = patch.isActive;
      if (patch.lastLoginAt !== undefined) next.lastLoginAt = patch.lastLoginAt;
      if (patch.email !== undefined) {
        const email = patch.email.trim();
        if (normalizeEmail(email) !== normalizeEmail(user.email)) {
          const newKey = globalKeys.userByEmail(email);
          const taken = await getJson<EmailIndexValue>(tx, newKey);
          if (taken && taken.userId !== userId) {
            throw new ConflictError("email_taken", "this email is already registered");
          }
          tx.clear(globalKeys.userByEmail(user.email));
          tx.set(newKey, encodeJson({ userId, tenantId: user.tenantId } satisfies EmailIndexValue));
          if (patch.emailVerified === undefined) next.emailVerified = false;
        }
        next.email = email;
      }
      // A deactivated user is signed out everywhere at once: every authed request checks
      // its auth session, and refreshing checks isActive.
      if (user.isActive && next.isActive === false) {
        await revokeAllUserAuthSessions(tx, userId, now);
      }
      if (patch.role !== undefined) {
        // The role on the home membership is the same fact as User.role.
        const m = await readMember(tx, user.tenantId, userId);
        if (m) writeMembership(tx, user.tenantId, userId, { ...m, role: patch.role });
      }
      tx.set(tenantKeys(user.tenantId).user(userId), encodeJson(next));
      return next;
    });
  }

  /**
   * Removes the user: record, email and id index, every membership (both sides), and the
   * user's auth sessions and workspace sessions in every tenant they belong to. Runs in
   * bounded transactions; the user record goes last, so an interrupted delete can be
   * finished by calling delete again. The home tenant itself stays (TenantRepository.delete).
   */
  async delete(userId: string): Promise<void> {
    await deleteUserCompletely(this.store, userId, 500);
  }

  /** Users whose home is this tenant, in id order. */
  async listByTenant(tenantId: string, req?: PageRequest): Promise<Page<User>> {
    return this.store.transact(async (tx) => {
      const { rows, nextCursor } = await scanPage(tx, tenantKeys(tenantId).usersSpace.prefix, req);
      return { items: rows.map((r) => decodeJson<User>(r.value)), nextCursor };
    });
  }

  /**
   * Makes the user a member of the tenant with `role`, or changes the role of an existing
   * member. A new member counts against the plan's maxUsers (LimitError). Demoting the
   * tenant's last Admin is a ConflictError, checked in the same transaction as the change,
   * so two concurrent demotions cannot both pass it.
   */
  async addMembership(
    tenantId: string,
    userId: string,
    role: Role,
    opts?: { now?: Date },
  ): Promise<Membership> {
    const now = (opts?.now ?? new Date()).toISOString();
    return transact(this.store, async (tx) => {
      const tenant = await requireActiveTenant(tx, tenantId);
      const user = await readUser(tx, userId);
      if (!user) throw new NotFoundError("user", userId);
      const existing = await readMember(tx, tenantId, userId);
      if (existing) {
        if (existing.role !== role) {
          if (existing.role === "Admin") await assertAnotherAdmin(tx, tenantId, userId);
          if (user.tenantId === tenantId) {
            tx.set(tenantKeys(tenantId).user(userId), encodeJson({ ...user, role }));
          }
          writeMembership(tx, tenantId, userId, { ...existing, role });
        }
        return { tenantId, userId, role, addedAt: existing.addedAt };
      }
      const members = tenantKeys(tenantId).membersSpace.range();
      await checkPlanLimit(tx, "maxUsers", members, tenant.settings.maxUsers);
      writeMembership(tx, tenantId, userId, { role, addedAt: now });
      return { tenantId, userId, role, addedAt: now };
    });
  }

  /**
   * Ends a membership and revokes the user's auth sessions in that tenant. The home
   * tenant's membership cannot be removed (ConflictError "home_membership"), nor the
   * tenant's last Admin (ConflictError, checked in the same transaction as the removal).
   */
  async removeMembership(tenantId: string, userId: string, opts?: { now?: Date }): Promise<void> {
    const now = (opts?.now ?? new Date()).toISOString();
    await transact(this.store, async (tx) => {
      const home = await readUserHome(tx, userId);
      if (home === tenantId) {
        throw new ConflictError("home_membership", "a user cannot leave their own tenant");
      }
      const member = await readMember(tx, tenantId, userId);
      if (!member) return;
      if (member.role === "Admin") await assertAnotherAdmin(tx, tenantId, userId);
      clearMembership(tx, tenantId, userId);
      await revokeUserAuthSessions(tx, tenantId, userId, now);
    });
  }

  async getMembership(tenantId: string, userId: string): Promise<Membership | null> {
    return this.store.transact(async (tx) => {
      const m = await readMember(tx, tenantId, userId);
      return m ? { tenantId, userId, role: m.role, addedAt: m.addedAt } : null;
    });
  }

  /** Every tenant the user belongs to (home tenant included), in tenant id order. */
  async listMembershipsOfUser(userId: string): Promise<Membership[]> {
    return this.store.transact(async (tx) => {
      const r = globalKeys.userTenantsRange(userId);
      const rows = await tx.getRange(r.begin, r.end);
      return rows.map((row) => {
        const tenantId = globalKeys.userTenantsSpace.unpack(row.key)[1] as string;
        const m = decodeJson<MemberValue>(row.value);
        return { tenantId, userId, role: m.role, addedAt: m.addedAt };
      });
    });
  }

  /** Members of a tenant with their user records, in user id order. */
  async listMembersOfTenant(tenantId: string, req?: PageRequest): Promise<Page<MemberWithUser>> {
    return this.store.transact(async (tx) => {
      const space = tenantKeys(tenantId).membersSpace;
      const { rows, nextCursor } = await scanPage(tx, space.prefix, req);
      const userIds = rows.map((row) => space.unpack(row.key)[0] as string);
      // Read together: on a cluster each read is a round trip.
      const users = await Promise.all(userIds.map((userId) => readUser(tx, userId)));
      const items: MemberWithUser[] = [];
      rows.forEach((row, i) => {
        const user = users[i];
        const m = decodeJson<MemberValue>(row.value);
        if (user)
          items.push({ tenantId, userId: userIds[i]!, role: m.role, addedAt: m.addedAt, user });
      });
      return { items, nextCursor };
    });
  }
}

/**
 * Deletes a user in bounded transactions: auth sessions and workspace sessions in each
 * member tenant first (at most `batch` records a transaction), then — in the last one —
 * memberships, the record and its global entries.
 */
/**
 * Refuses (ConflictError) a change that would leave the tenant without an Admin: some
 * member besides `userId` must be one. Reads the whole member range inside the caller's
 * transaction, so a concurrent change to any membership conflicts with it.
 */
async function assertAnotherAdmin(tx: Transaction, tenantId: string, userId: string) {
  const members = tenantKeys(tenantId).membersSpace;
  const r = members.range();
  for (const row of await tx.getRange(r.begin, r.end)) {
    if (members.unpack(row.key)[0] === userId) continue;
    if (decodeJson<MemberValue>(row.value).role === "Admin") return;
  }
  throw new ConflictError("already_exists", "A tenant needs at least one Admin.");
}

export async function deleteUserCompletely(
  store: Store,
  userId: string,
  batch: number,
): Promise<void> {
  for (;;) {
    const done = await transact(store, (tx) => deleteUserStep(tx, userId, batch));
    if (done) return;
  }
}

async function deleteUserStep(tx: Transaction, userId: string, batch: number): Promise<boolean> {
  const home = await readUserHome(tx, userId);
  if (home === undefined) return true;
  const r = globalKeys.userTenantsRange(userId);
  const tenantIds = (await tx.getRange(r.begin, r.end)).map(
    (row) => globalKeys.userTenantsSpace.unpack(row.key)[1] as string,
  );
  if (!tenantIds.includes(home)) tenantIds.push(home);
  let budget = batch;
  for (const tenantId of tenantIds) {
    const keys = tenantKeys(tenantId);
    for (const s of await readUserAuthSessions(tx, tenantId, userId, budget)) {
      deleteAuthSession(tx, s);
      budget--;
    }
    if (budget <= 0) return false;
    const wr = keys.wsByUserSpace.range(userId);
    // A session can hold megabytes of chunks: few per transaction.
    const wsLimit = Math.max(1, Math.min(20, budget));
    const wsRows = await tx.getRange(wr.begin, wr.end, { limit: wsLimit });
    for (const row of wsRows) {
      const sid = keys.wsByUserSpace.unpack(row.key)[1] as string;
      const meta = await readWorkspaceMeta(tx, keys, sid);
      if (meta) await deleteWorkspace(tx, keys, meta);
      else tx.clear(row.key);
    }
    if (wsRows.length === wsLimit) return false;
    budget -= wsRows.length;
  }
  const user = await getJson<User>(tx, tenantKeys(home).user(userId));
  for (const tenantId of tenantIds) clearMembership(tx, tenantId, userId);
  if (user) {
    const emailKey = globalKeys.userByEmail(user.email);
    if ((await getJson<EmailIndexValue>(tx, emailKey))?.userId === userId) tx.clear(emailKey);
  }
  tx.clear(tenantKeys(home).user(userId));
  tx.clear(tenantKeys(home).userSettings(userId));
  tx.clear(globalKeys.userById(userId));
  return true;
}
