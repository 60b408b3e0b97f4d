/**
 * Backup and restore of the embedded store's SQLite file. The backup is taken through
 * SQLite's online backup API from a connection of its own, so a server may keep serving
 * on the file meanwhile; the restore is for a stopped server's data directory.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

/** The store's file in a data directory (as openStore names it). */
export const SQLITE_FILE = "hearth.sqlite";

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  ms: number;
}

/**
 * Copies the database at `source` into `dest` with SQLite's backup API, all pages in one
 * step: the step reads inside one read transaction, so the copy is one consistent
 * snapshot even while a server commits (WAL lets it go on writing meanwhile). The copy is
 * written beside `dest` and renamed over it once complete and synced.
 */
export async function backupSqlite(source: string, dest: string): Promise<BackupResult> {
  const started = performance.now();
  const target = path.resolve(dest);
  const partial = `${target}.partial-${process.pid}`;
  fs.rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  let pages: number;
  try {
    // The first step only sizes the copy; answering the largest count makes the next step
    // copy every page at once.
    const done = await db.backup(partial, { progress: () => 0x7fffffff });
    pages = done.totalPages;
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  syncFile(partial);
  fs.renameSync(partial, target);
  syncFile(path.dirname(target));
  return {
    file: target,
    bytes: fs.statSync(target).size,
    pages,
    ms: performance.now() - started,
  };
}

/** PRAGMA integrity_check of a database file: "ok" when sound. */
export function integrityCheck(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma("integrity_check") as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join("; ");
  } finally {
    db.close();
  }
}

export interface RestoreOptions {
  /** Replace the store of a data directory that is not empty. */
  force?: boolean;
}

export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreRefusedError";
  }
}

/**
 * Puts the backup `file` in place as the store of `dataDir`, which must belong to a
 * stopped server. A data directory that holds anything is refused unless `force`; then
 * only the store (and its WAL) is replaced, and the signing key and workspace folders
 * stay. The backup is checked (integrity_check) before anything is touched.
 */
export function restoreSqlite(file: string, dataDir: string, opts: RestoreOptions = {}): string {
  if (!fs.existsSync(file)) throw new RestoreRefusedError(`no backup at ${file}`);
  const integrity = integrityCheck(file);
  if (integrity !== "ok") {
    throw new RestoreRefusedError(`the backup ${file} fails integrity_check: ${integrity}`);
  }
  const dir = path.resolve(dataDir);
  const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  if (entries.length > 0 && !opts.force) {
    throw new RestoreRefusedError(
      `${dir} is not empty (${entries.slice(0, 5).join(", ")}${entries.length > 5 ? ", …" : ""}); ` +
        "restore into an empty directory, or pass --force to replace its store",
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, SQLITE_FILE);
  const partial = `${target}.partial-${process.pid}`;
  fs.copyFileSync(file, partial);
  syncFile(partial);
  // A WAL left by the replaced store would be replayed onto the restored file.
  for (const suffix of ["-wal", "-shm", "-journal"]) fs.rmSync(target + suffix, { force: true });
  fs.renameSync(partial, target);
  syncFile(dir);
  return target;
}

function syncFile(file: string): void {
  const fd = fs.openSync(file, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
