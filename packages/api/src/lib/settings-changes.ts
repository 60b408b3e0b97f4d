type Listener = () => void;

/**
 * Who is watching whose settings in this process: `settings.changes` subscribers, told
 * when a person's own values or their tenant's defaults change. One server process knows
 * only its own writes; with several servers over one FoundationDB cluster a watch on the
 * keys would carry the news between them (docs/api.md, Settings).
 */
class SettingsChanges {
  private readonly byUser = new Map<string, Set<Listener>>();
  private readonly byTenant = new Map<string, Set<Listener>>();

  /** Calls `listener` on each change to `userId`'s values or `tenantId`'s defaults. */
  watch(userId: string, tenantId: string, listener: Listener): () => void {
    add(this.byUser, userId, listener);
    add(this.byTenant, tenantId, listener);
    return () => {
      remove(this.byUser, userId, listener);
      remove(this.byTenant, tenantId, listener);
    };
  }

  userChanged(userId: string): void {
    for (const listener of this.byUser.get(userId) ?? []) listener();
  }

  tenantChanged(tenantId: string): void {
    for (const listener of this.byTenant.get(tenantId) ?? []) listener();
  }
}

function add(map: Map<string, Set<Listener>>, key: string, listener: Listener): void {
  const set = map.get(key) ?? new Set<Listener>();
  set.add(listener);
  map.set(key, set);
}

function remove(map: Map<string, Set<Listener>>, key: string, listener: Listener): void {
  const set = map.get(key);
  set?.delete(listener);
  if (set?.size === 0) map.delete(key);
}

export const settingsChanges = new SettingsChanges();
