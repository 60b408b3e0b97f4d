/**
 * Moving tenants between servers: every key of a tenant — its prefix, and the global
 * entries that belong to it (users by email and id, memberships, active flag, auth
 * sessions, email tokens, invitations) — written as JSON lines, and read back into another
 * store with the same ids, refusing if any key is already there.
 *
 * The file: a header line, one line per pair, an end line with the count and a SHA-256 of
 * the pair lines (a truncated or edited file is refused).
 *
 *   {"hearth":"tenant-export","version":1,"tenants":["…"],"exportedAt":"…"}
 *   {"k":"<base64 key>","v":"<base64 value>","t":["…","ws","…","buffer","a.ts",0]}
 *   {"end":true,"pairs":123,"sha256":"…"}
 *
 * `t` is the key as a readable tuple, for people; `k` and `v` are the exact bytes.
 */
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import { globalKeys, type KeyRange, keyAfter, tenantKeys, unpackKey } from "../keyspace";
import type { Bytes, KeyValue, Store } from "../store/types";

export const EXPORT_FORMAT = "tenant-export";
export const EXPORT_VERSION = 1;

/** Global subspaces that hold no tenant's data, only the server's (rate limit counters). */
const NOT_EXPORTED = new Set(["throttle", "imports"]);

/** A consistent read of the whole keyspace (one snapshot, however long it takes). */
export interface SnapshotReader {
  range(r: KeyRange): Iterable<KeyValue>;
  close(): void;
}

/**
 * A snapshot of a SQLite store's file: one read transaction on a connection of its own,
 * so a server may go on writing meanwhile and the export still sees one moment.
 */
export function openSqliteSnapshot(file: string): SnapshotReader {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.exec("BEGIN");
  const stmt = db.prepare<[Bytes, Bytes], KeyValue>(
    "SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key",
  );
  // The read transaction starts with the first read.
  db.prepare("SELECT count(*) FROM kv").get();
  return {
    range: (r) => stmt.iterate(r.begin, r.end),
    close() {
      if (db.inTransaction) db.exec("COMMIT");
      db.close();
    },
  };
}

/** Whether a global pair belongs to one of `tenants`: a tuple item or its value says so. */
function globalOwner(key: Bytes, value: Bytes, tenants: ReadonlySet<string>): boolean {
  const tuple = unpackKey(key);
  if (NOT_EXPORTED.has(String(tuple[1]))) return false;
  if (tuple.some((item) => typeof item === "string" && tenants.has(item))) return true;
  if (value.length === 0 || value[0] !== 0x7b) return false;
  try {
    const parsed = JSON.parse(value.toString("utf8")) as { tenantId?: unknown };
    return typeof parsed.tenantId === "string" && tenants.has(parsed.tenantId);
  } catch {
    return false;
  }
}

function readable(key: Bytes): unknown[] {
  return unpackKey(key).map((item) => (Buffer.isBuffer(item) ? item.toString("base64") : item));
}

/** Every pair of `tenants`, in key order: their prefixes, then their global entries. */
export function* tenantPairs(
  reader: SnapshotReader,
  tenantIds: readonly string[],
): Generator<KeyValue> {
  const tenants = new Set(tenantIds);
  for (const t of [...tenants].sort()) yield* reader.range(tenantKeys(t).root.range());
  for (const pair of reader.range(globalKeys.root.range())) {
    if (globalOwner(pair.key, pair.value, tenants)) yield pair;
  }
}

export interface ExportSummary {
  tenants: string[];
  pairs: number;
  bytes: number;
}

/**
 * Writes the export of `tenantIds` as lines to `write`. Refuses a tenant without its
 * tenant record (a typo would otherwise export nothing and look fine).
 */
export async function exportTenants(
  reader: SnapshotReader,
  tenantIds: readonly string[],
  write: (line: string) => void | Promise<void>,
  now = new Date(),
): Promise<ExportSummary> {
  for (const t of tenantIds) {
    const key = tenantKeys(t).tenant();
    const [record] = reader.range({ begin: key, end: keyAfter(key) });
    if (record === undefined) throw new Error(`no tenant ${t} in this store`);
  }
  await write(
    JSON.stringify({
      hearth: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      tenants: [...tenantIds],
      exportedAt: now.toISOString(),
    }),
  );
  const hash = createHash("sha256");
  let pairs = 0;
  let bytes = 0;
  for (const { key, value } of tenantPairs(reader, tenantIds)) {
    const line = JSON.stringify({
      k: key.toString("base64"),
      v: value.toString("base64"),
      t: readable(key),
    });
    hash.update(line).update("\n");
    await write(line);
    pairs++;
    bytes += key.length + value.length;
  }
  await write(JSON.stringify({ end: true, pairs, sha256: hash.digest("hex") }));
  return { tenants: [...tenantIds], pairs, bytes };
}

export class ImportRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportRefusedError";
  }
}

/** Reads an export's lines back into pairs, checking its header, count and hash. */
export async function readExport(
  lines: AsyncIterable<string> | Iterable<string>,
): Promise<TenantExport> {
  type Header = { hearth?: string; version?: number; tenants?: string[] };
  let header: Header | undefined;
  let end: { pairs: number; sha256: string } | undefined;
  const pairs: KeyValue[] = [];
  const hash = createHash("sha256");
  for await (const line of lines) {
    if (line.trim() === "") continue;
    if (end) throw new ImportRefusedError("lines after the end of the export");
    const item = JSON.parse(line) as Record<string, unknown>;
    if (!header) {
      if (item.hearth !== EXPORT_FORMAT || item.version !== EXPORT_VERSION) {
        throw new ImportRefusedError(`not a Hearth tenant export (version ${EXPORT_VERSION})`);
      }
      header = item as Header;
    } else if (item.end === true) {
      end = item as unknown as typeof end;
    } else {
      if (typeof item.k !== "string" || typeof item.v !== "string") {
        throw new ImportRefusedError("a line without k and v");
      }
      hash.update(line).update("\n");
      pairs.push({ key: Buffer.from(item.k, "base64"), value: Buffer.from(item.v, "base64") });
    }
  }
  if (!header || !end) throw new ImportRefusedError("the export is incomplete (no end line)");
  if (end.pairs !== pairs.length || end.sha256 !== hash.digest("hex")) {
    throw new ImportRefusedError("the export does not match its end line (truncated or edited)");
  }
  return { tenants: header.tenants ?? [], pairs, sha256: end.sha256 };
}

/** An export read back: its tenants, its pairs, and the SHA-256 that names it. */
export interface TenantExport {
  tenants: string[];
  pairs: KeyValue[];
  sha256: string;
}

export interface ImportSummary {
  pairs: number;
  transactions: number;
  /** Whether this finished an import of the same export that had stopped before its end. */
  resumed: boolean;
}

/** What `("g","imports",sha256)` holds while an import is under way. */
interface ImportUnderWay {
  tenants: string[];
  pairs: number;
  startedAt: string;
}

/** Bytes of pairs per import transaction: well inside the store's 10 MB limit. */
const BATCH_BYTES = 4_000_000;
const BATCH_PAIRS = 2_000;

function batches(pairs: readonly KeyValue[], maxPairs: number): KeyValue[][] {
  const out: KeyValue[][] = [];
  let current: KeyValue[] = [];
  let size = 0;
  for (const p of pairs) {
    const n = p.key.length + p.value.length;
    if (current.length > 0 && (size + n > BATCH_BYTES || current.length >= maxPairs)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(p);
    size += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Writes the pairs into `store` with their ids unchanged. Every key is first checked to be
 * absent, and nothing is written if one is there (the same tenant, a user's email or id
 * already on this server). The pairs go in batches, one transaction each, tenant data
 * first and the global entries that let anyone reach it (emails, memberships) last.
 *
 * An import that stops part way (a crash, a full disk) leaves a marker,
 * `("g","imports",sha256)`, which `checkConsistency` reports. Running the same export
 * again finishes it: while the marker is there, a key already holding the very bytes being
 * imported is this import's own, and only a key holding other bytes refuses. Each batch
 * checks again inside its own transaction, so a key written by someone else meanwhile
 * stops the import too.
 */
export async function importPairs(
  store: Store,
  exported: TenantExport,
  opts: { batchPairs?: number } = {},
): Promise<ImportSummary> {
  const { pairs, tenants, sha256 } = exported;
  const marker = globalKeys.importUnderWay(sha256);
  const groups = batches(pairs, opts.batchPairs ?? BATCH_PAIRS);
  const resumed = (await store.transact((tx) => tx.get(marker))) !== undefined;
  const collisions: string[] = [];
  for (const group of groups) {
    const found = await store.transact(async (tx) => {
      const hits: string[] = [];
      for (const { key, value } of group) {
        const existing = await tx.get(key);
        if (existing !== undefined && !(resumed && existing.equals(value))) {
          hits.push(JSON.stringify(readable(key)));
        }
      }
      return hits;
    });
    collisions.push(...found);
  }
  if (collisions.length > 0) {
    throw new ImportRefusedError(
      `${collisions.length} key(s) already exist here, e.g. ${collisions.slice(0, 3).join(", ")}; nothing was imported`,
    );
  }
  if (!resumed) {
    const underWay: ImportUnderWay = {
      tenants,
      pairs: pairs.length,
      startedAt: new Date().toISOString(),
    };
    await store.transact(async (tx) => {
      tx.set(marker, Buffer.from(JSON.stringify(underWay)));
    });
  }
  for (const group of groups) {
    await store.transact(async (tx) => {
      for (const { key, value } of group) {
        const existing = await tx.get(key);
        if (existing !== undefined && !existing.equals(value)) {
          throw new ImportRefusedError(
            `${JSON.stringify(readable(key))} was written by someone else during the import`,
          );
        }
        tx.set(key, value);
      }
    });
  }
  await store.transact(async (tx) => {
    tx.clear(marker);
  });
  return { pairs: pairs.length, transactions: groups.length, resumed };
}

/** Tenants of imports that stopped before their end, with when each started. */
export function describeImportUnderWay(value: Bytes): string {
  try {
    const u = JSON.parse(value.toString("utf8")) as ImportUnderWay;
    return `an import of ${u.tenants.join(", ")} (${u.pairs} keys, started ${u.startedAt}) stopped before its end: run import-tenant again with the same file to finish it`;
  } catch {
    return "an import stopped before its end: run import-tenant again with the same file to finish it";
  }
}
