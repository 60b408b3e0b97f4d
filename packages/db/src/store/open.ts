import path from "node:path";
import type { FoundationDbStore } from "./foundationdb";
import { openSqliteStore, type SqliteStore } from "./sqlite";

export interface OpenStoreOptions {
  /** "sqlite" (default) or "foundationdb" (HEARTH_STORE). */
  store?: string;
  /** Directory for the SQLite file and generated keys (HEARTH_DATA_DIR, default ./.data). */
  dataDir?: string;
  /** FoundationDB cluster file (FDB_CLUSTER_FILE). */
  clusterFile?: string;
  /** "normal" (default) or "full" (HEARTH_SQLITE_SYNC). */
  sqliteSync?: string;
}

/** Reads the operator's settings from the environment. */
export function storeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenStoreOptions {
  return {
    store: env.HEARTH_STORE || "sqlite",
    dataDir: env.HEARTH_DATA_DIR || "./.data",
    clusterFile: env.FDB_CLUSTER_FILE,
    sqliteSync: env.HEARTH_SQLITE_SYNC,
  };
}

/** Opens the store the operator chose. */
export async function openStore(
  opts: OpenStoreOptions = storeOptionsFromEnv(),
): Promise<SqliteStore | FoundationDbStore> {
  const kind = opts.store ?? "sqlite";
  if (kind === "foundationdb") {
    if (!opts.clusterFile) {
      throw new Error("HEARTH_STORE=foundationdb needs FDB_CLUSTER_FILE (the cluster file path)");
    }
    const { openFoundationDbStore } = await import("./foundationdb");
    return openFoundationDbStore({ clusterFile: opts.clusterFile });
  }
  if (kind !== "sqlite") {
    throw new Error(`HEARTH_STORE must be "sqlite" or "foundationdb", not "${kind}"`);
  }
  const sync = opts.sqliteSync ?? "normal";
  if (sync !== "normal" && sync !== "full") {
    throw new Error(`HEARTH_SQLITE_SYNC must be "normal" or "full", not "${sync}"`);
  }
  return openSqliteStore({
    filename: path.join(opts.dataDir ?? "./.data", "hearth.sqlite"),
    synchronous: sync,
  });
}
