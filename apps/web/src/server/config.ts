import type { FaultOptions, StoreKind } from "@hearth/db";
import { DEFAULT_MAX_BODY_BYTES } from "./server";

/** The server's settings as the operator gives them (see API.md, "Operating it"). */
export interface ServerEnvConfig {
  port: number;
  host: string;
  dataDir: string;
  store: StoreKind;
  fdbClusterFile?: string;
  sqliteSync?: string;
  maxBodyBytes: number;
  /** Proxies in front of the server whose X-Forwarded-* entries are believed (0: none). */
  trustProxy: number;
  publicUrl?: string;
  logLevel: string;
  /** `HEARTH_FAULTS`: injected store failures, for tests only. */
  faults?: FaultOptions;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be a whole number of at least ${min}, not "${raw}"`);
  }
  return value;
}

/**
 * `HEARTH_FAULTS=seed:rate` makes that share of store attempts fail before commit
 * (not_committed) and a fifth of it fail after committing (commit_unknown_result), as the
 * issue's 10% / 2% mix; `seed:notCommitted:commitUnknown` sets both.
 */
export function faultsFromEnv(raw: string | undefined): FaultOptions | undefined {
  if (raw === undefined || raw === "") return undefined;
  const parts = raw.split(":");
  const [seed, notCommitted, commitUnknown] = parts.map(Number) as [number, number, number?];
  const rate = (v: number | undefined) => v !== undefined && v >= 0 && v <= 1;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !Number.isInteger(seed) ||
    !rate(notCommitted) ||
    (parts.length === 3 && !rate(commitUnknown)) ||
    notCommitted + (commitUnknown ?? notCommitted / 5) > 1
  ) {
    throw new Error(
      `HEARTH_FAULTS must be "seed:rate" or "seed:notCommitted:commitUnknown" (rates 0..1), not "${raw}"`,
    );
  }
  return { seed, notCommitted, commitUnknown: commitUnknown ?? notCommitted / 5 };
}

/**
 * `HEARTH_TRUST_PROXY`: how many proxies the operator runs in front of the server. `true`
 * is read as one, `false` or nothing as none.
 */
export function trustedProxyHops(raw: string | undefined): number {
  if (raw === undefined || raw === "" || raw === "false") return 0;
  if (raw === "true") return 1;
  const hops = Number(raw);
  if (!Number.isInteger(hops) || hops < 0 || hops > 16) {
    throw new Error(
      `HEARTH_TRUST_PROXY must be the number of proxies in front (0-16), not "${raw}"`,
    );
  }
  return hops;
}

export function serverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServerEnvConfig {
  const store = env.HEARTH_STORE || "sqlite";
  if (store !== "sqlite" && store !== "foundationdb") {
    throw new Error(`HEARTH_STORE must be "sqlite" or "foundationdb", not "${store}"`);
  }
  const port = integer(env, "PORT", 3000, 0);
  if (port > 65535) throw new Error(`PORT must be at most 65535, not ${port}`);
  return {
    port,
    host: env.HOST || "127.0.0.1",
    dataDir: env.HEARTH_DATA_DIR || "./.data",
    store,
    ...(env.FDB_CLUSTER_FILE ? { fdbClusterFile: env.FDB_CLUSTER_FILE } : {}),
    ...(env.HEARTH_SQLITE_SYNC ? { sqliteSync: env.HEARTH_SQLITE_SYNC } : {}),
    maxBodyBytes: integer(env, "HEARTH_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1),
    trustProxy: trustedProxyHops(env.HEARTH_TRUST_PROXY),
    ...(env.HEARTH_PUBLIC_URL ? { publicUrl: new URL(env.HEARTH_PUBLIC_URL).origin } : {}),
    logLevel: env.HEARTH_LOG_LEVEL || "info",
    ...(env.HEARTH_FAULTS ? { faults: faultsFromEnv(env.HEARTH_FAULTS) } : {}),
  };
}
