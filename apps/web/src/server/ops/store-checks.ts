/**
 * What the crash test, the soak and the backup tools check on a data directory: the
 * keyspace's own invariants (checkConsistency) and SQLite's (PRAGMA integrity_check), read
 * through connections of this process, beside a server that may be running on the file.
 */
import path from "node:path";
import { checkConsistency, integrityCheck, openSqliteStore, SQLITE_FILE } from "@hearth/db";

export interface StoreCheck {
  /** checkConsistency's problems, as `kind key`; empty when clean. */
  consistency: string[];
  /** PRAGMA integrity_check's answer: "ok" when the file is sound. */
  integrity: string;
}

export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, SQLITE_FILE);
}

export function checkStore(dataDir: string): Promise<StoreCheck> {
  return checkSqliteFile(sqliteFile(dataDir));
}

export async function checkSqliteFile(file: string): Promise<StoreCheck> {
  const integrity = integrityCheck(file);
  const store = openSqliteStore({ filename: file });
  try {
    const problems = await checkConsistency(store);
    return { consistency: problems.map((p) => `${p.kind} ${p.key}`), integrity };
  } finally {
    await store.close();
  }
}
