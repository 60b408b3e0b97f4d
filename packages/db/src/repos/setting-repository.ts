import type { z } from "zod";
import { tenantKeys } from "../keyspace";
import {
  type ResolvedSettings,
  resolveSettings,
  type SettingKey,
  type SettingsPatch,
  type TenantSettingsRecord,
  type UserSettingsRecord,
  ZSettingsPatch,
} from "../models/setting";
import type { Store, Transaction } from "../store/types";
import { NotFoundError, ValidationError } from "./errors";
import { encodeJson, getJson, transact } from "./internal";
import { readMember, readUserHome } from "./stored";

/** An organization's defaults as stored; `values` is empty when none are set. */
export interface SettingsDefaults {
  values: SettingsPatch;
  updatedAt: string | null;
  updatedByUserId: string | null;
}

/** A change to defaults: a value sets the key, null removes the organization's default. */
export type DefaultsPatch = { [K in SettingKey]?: SettingsPatch[K] | null };

/** The patch, checked as the API checks it; the first bad field is named. */
function validPatch(patch: unknown): SettingsPatch {
  const parsed = ZSettingsPatch.safeParse(patch);
  if (!parsed.success) throw new ValidationError(describe(parsed.error));
  return parsed.data;
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0]!;
  if (issue.code === "unrecognized_keys") return `unknown setting ${issue.keys.join(", ")}`;
  return `${issue.path.join(".")}: ${issue.message}`;
}

/**
 * Preferences: a person's own values in their home tenant, (t_home,"settings",userId), so
 * they follow them into every tenant they belong to; and each tenant's defaults,
 * (t,"settings_defaults"), which its Admins set. What a caller sees is resolved for the
 * tenant they are signed in to: theirs, else that tenant's default, else the built-in.
 */
export class SettingRepository {
  constructor(private readonly store: Store) {}

  /** `userId`'s settings in `tenantId`; NotFoundError unless they are a member. */
  async resolved(tenantId: string, userId: string): Promise<ResolvedSettings> {
    return this.store.transact((tx) => this.resolveIn(tx, tenantId, userId));
  }

  /** Sets some of the person's values; answers the settings resolved in `tenantId`. */
  async update(
    tenantId: string,
    userId: string,
    patch: SettingsPatch,
    now?: Date,
  ): Promise<ResolvedSettings> {
    const values = validPatch(patch);
    const updatedAt = (now ?? new Date()).toISOString();
    return transact(this.store, async (tx) => {
      const key = await this.userKey(tx, tenantId, userId);
      const record = await getJson<UserSettingsRecord>(tx, key);
      const next: UserSettingsRecord = { values: { ...record?.values, ...values }, updatedAt };
      tx.set(key, encodeJson(next));
      return this.resolveIn(tx, tenantId, userId, next.values);
    });
  }

  /** Drops the person's values for `keys` (every key when absent): the default applies. */
  async reset(
    tenantId: string,
    userId: string,
    keys?: readonly SettingKey[],
    now?: Date,
  ): Promise<ResolvedSettings> {
    const updatedAt = (now ?? new Date()).toISOString();
    return transact(this.store, async (tx) => {
      const key = await this.userKey(tx, tenantId, userId);
      const record = await getJson<UserSettingsRecord>(tx, key);
      const values: SettingsPatch = { ...record?.values };
      for (const k of keys ?? (Object.keys(values) as SettingKey[])) delete values[k];
      if (Object.keys(values).length === 0) tx.clear(key);
      else tx.set(key, encodeJson({ values, updatedAt } satisfies UserSettingsRecord));
      return this.resolveIn(tx, tenantId, userId, values);
    });
  }

  /** The tenant's defaults (none set: empty values). */
  async defaults(tenantId: string): Promise<SettingsDefaults> {
    return this.store.transact(async (tx) => toDefaults(await readDefaults(tx, tenantId)));
  }

  /** Sets or (with null) removes some of the tenant's defaults. */
  async updateDefaults(
    tenantId: string,
    patch: DefaultsPatch,
    opts: { updatedByUserId: string; now?: Date },
  ): Promise<SettingsDefaults> {
    const set: Record<string, unknown> = {};
    const removed: string[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) removed.push(k);
      else if (v !== undefined) set[k] = v;
    }
    const values = validPatch(set);
    validPatch(Object.fromEntries(removed.map((k) => [k, undefined])));
    const updatedAt = (opts.now ?? new Date()).toISOString();
    const keys = tenantKeys(tenantId);
    return transact(this.store, async (tx) => {
      if (!(await tx.get(keys.tenant()))) throw new NotFoundError("tenant", tenantId);
      const current = await readDefaults(tx, tenantId);
      const next: SettingsPatch = { ...current?.values, ...values };
      for (const k of removed) delete next[k as SettingKey];
      const record: TenantSettingsRecord = {
        values: next,
        updatedAt,
        updatedByUserId: opts.updatedByUserId,
      };
      tx.set(keys.settingsDefaults(), encodeJson(record));
      return toDefaults(record);
    });
  }

  private async resolveIn(
    tx: Transaction,
    tenantId: string,
    userId: string,
    own?: SettingsPatch,
  ): Promise<ResolvedSettings> {
    let values = own;
    if (values === undefined) {
      const key = await this.userKey(tx, tenantId, userId);
      values = (await getJson<UserSettingsRecord>(tx, key))?.values;
    }
    return resolveSettings(values, (await readDefaults(tx, tenantId))?.values);
  }

  /** Where `userId`'s own values live, once they are known to be a member of `tenantId`. */
  private async userKey(tx: Transaction, tenantId: string, userId: string) {
    const [home, member] = await Promise.all([
      readUserHome(tx, userId),
      readMember(tx, tenantId, userId),
    ]);
    if (home === undefined || !member) throw new NotFoundError("member", userId);
    return tenantKeys(home).userSettings(userId);
  }
}

function readDefaults(tx: Transaction, tenantId: string) {
  return getJson<TenantSettingsRecord>(tx, tenantKeys(tenantId).settingsDefaults());
}

function toDefaults(record: TenantSettingsRecord | undefined): SettingsDefaults {
  return {
    values: record?.values ?? {},
    updatedAt: record?.updatedAt ?? null,
    updatedByUserId: record?.updatedByUserId ?? null,
  };
}
