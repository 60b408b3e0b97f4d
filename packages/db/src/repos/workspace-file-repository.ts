/**
 * The files model: per workspace session, each file's language, size, last open and edit
 * and how often it was opened, with two recency indexes (the workspace's, for quick open,
 * and the owner's across workspaces, for fs.recent). A record and its index entries are
 * always written in one transaction.
 */
import { type FileKeys, fileKeys, rangeOf, tenantKeys } from "../keyspace";
import type { Page, PageRequest } from "../models/common";
import type { WorkspaceFile } from "../models/workspace-file";
import type { KeyValue, Store, Transaction } from "../store/types";
import { NotFoundError } from "./errors";
import { dateMs, decodeJson, EMPTY_VALUE, encodeJson, isoOf, scanPage, transact } from "./internal";

/** The session a file belongs to: its id and its owner (whose recent list it joins). */
export interface FileSessionRef {
  id: string;
  userId: string;
}

/** What a save or an open saw of the file. */
export interface FileTouch {
  path: string;
  size: number;
  language: string;
  now?: Date;
}

/** The stored value of (t,"files",sessionId,path). */
interface FileRecord {
  language: string;
  size: number;
  lastOpenedAt: string | null;
  lastEditedAt: string | null;
  openCount: number;
}

function toFile(sessionId: string, path: string, r: FileRecord): WorkspaceFile {
  return { sessionId, path, ...r };
}

/** Sets the record and its index entries, clearing the entries of `prev` first. */
function writeRecord(
  tx: Transaction,
  fk: FileKeys,
  s: FileSessionRef,
  path: string,
  rec: FileRecord,
  prev: FileRecord | undefined,
): void {
  if (prev) clearIndexes(tx, fk, s, path, prev);
  tx.set(fk.file(s.id, path), encodeJson(rec));
  if (rec.lastOpenedAt) {
    const ms = dateMs(rec.lastOpenedAt);
    tx.set(fk.opened(s.id, ms, path), EMPTY_VALUE);
    tx.set(fk.recent(s.userId, ms, s.id, path), EMPTY_VALUE);
  }
}

function clearIndexes(
  tx: Transaction,
  fk: FileKeys,
  s: FileSessionRef,
  path: string,
  rec: FileRecord,
): void {
  if (!rec.lastOpenedAt) return;
  const ms = dateMs(rec.lastOpenedAt);
  tx.clear(fk.opened(s.id, ms, path));
  tx.clear(fk.recent(s.userId, ms, s.id, path));
}

/** The records at `path` and below it, as [path, record]. */
async function readTree(
  tx: Transaction,
  fk: FileKeys,
  sessionId: string,
  path: string,
): Promise<Array<[string, FileRecord]>> {
  const out: Array<[string, FileRecord]> = [];
  const own = await tx.get(fk.file(sessionId, path));
  if (own) out.push([path, decodeJson<FileRecord>(own)]);
  const r = fk.filesUnderRange(sessionId, path);
  for (const row of await tx.getRange(r.begin, r.end)) {
    out.push([fk.filesSpace.unpack(row.key)[1] as string, decodeJson<FileRecord>(row.value)]);
  }
  return out;
}

async function requireSession(tx: Transaction, tenantId: string, sessionId: string) {
  if ((await tx.get(tenantKeys(tenantId).wsMeta(sessionId))) === undefined) {
    throw new NotFoundError("workspace session", sessionId);
  }
}

/**
 * Removes every file record of a session and their index entries: for deleting the
 * session, in its transaction.
 */
export async function clearWorkspaceFiles(
  tx: Transaction,
  tenantId: string,
  s: FileSessionRef,
): Promise<void> {
  const fk = fileKeys(tenantId);
  const opened = rangeOf(fk.openedPrefix(s.id));
  for (const row of await tx.getRange(opened.begin, opened.end)) {
    const [, ms, path] = fk.openedSpace.unpack(row.key) as [string, number, string];
    tx.clear(fk.recent(s.userId, ms, s.id, path));
  }
  tx.clearRange(opened.begin, opened.end);
  const files = fk.filesRange(s.id);
  tx.clearRange(files.begin, files.end);
}

export class WorkspaceFileRepository {
  constructor(private readonly store: Store) {}

  async get(tenantId: string, sessionId: string, path: string): Promise<WorkspaceFile | undefined> {
    const v = await this.store.transact((tx) => tx.get(fileKeys(tenantId).file(sessionId, path)));
    return v === undefined ? undefined : toFile(sessionId, path, decodeJson<FileRecord>(v));
  }

  /** A save through Hearth: size, language and lastEditedAt. */
  recordEdit(tenantId: string, s: FileSessionRef, touch: FileTouch): Promise<WorkspaceFile> {
    return this.touch(tenantId, s, touch, "edit");
  }

  /** The file was opened in the editor: lastOpenedAt, one more open, and the recency indexes. */
  recordOpen(tenantId: string, s: FileSessionRef, touch: FileTouch): Promise<WorkspaceFile> {
    return this.touch(tenantId, s, touch, "open");
  }

  private touch(
    tenantId: string,
    s: FileSessionRef,
    t: FileTouch,
    what: "edit" | "open",
  ): Promise<WorkspaceFile> {
    const now = isoOf(t.now ?? new Date());
    const fk = fileKeys(tenantId);
    return transact(this.store, async (tx) => {
      await requireSession(tx, tenantId, s.id);
      const raw = await tx.get(fk.file(s.id, t.path));
      const prev = raw ? decodeJson<FileRecord>(raw) : undefined;
      const rec: FileRecord = {
        language: t.language,
        size: t.size,
        lastOpenedAt: what === "open" ? now : (prev?.lastOpenedAt ?? null),
        lastEditedAt: what === "edit" ? now : (prev?.lastEditedAt ?? null),
        openCount: (prev?.openCount ?? 0) + (what === "open" ? 1 : 0),
      };
      writeRecord(tx, fk, s, t.path, rec, prev);
      return toFile(s.id, t.path, rec);
    });
  }

  /**
   * `from` (a file or a folder) was renamed to `to`: its record and every record below it
   * move, and records at or below `to` (overwritten on disk) are dropped. `languageOf`
   * names the language of a moved path (an extension may change).
   */
  move(
    tenantId: string,
    s: FileSessionRef,
    from: string,
    to: string,
    languageOf: (path: string) => string,
  ): Promise<number> {
    const fk = fileKeys(tenantId);
    return transact(this.store, async (tx) => {
      const moving = await readTree(tx, fk, s.id, from);
      for (const [path, rec] of await readTree(tx, fk, s.id, to)) {
        clearIndexes(tx, fk, s, path, rec);
        tx.clear(fk.file(s.id, path));
      }
      for (const [path, rec] of moving) {
        clearIndexes(tx, fk, s, path, rec);
        tx.clear(fk.file(s.id, path));
      }
      for (const [path, rec] of moving) {
        const next = to + path.slice(from.length);
        writeRecord(tx, fk, s, next, { ...rec, language: languageOf(next) }, undefined);
      }
      return moving.length;
    });
  }

  /** `path` (a file or a folder) was deleted: its record and every record below it go. */
  drop(tenantId: string, s: FileSessionRef, path: string): Promise<number> {
    const fk = fileKeys(tenantId);
    return transact(this.store, async (tx) => {
      const gone = await readTree(tx, fk, s.id, path);
      for (const [p, rec] of gone) {
        clearIndexes(tx, fk, s, p, rec);
        tx.clear(fk.file(s.id, p));
      }
      return gone.length;
    });
  }

  /** The session's recently opened paths, newest first. */
  async openedInWorkspace(tenantId: string, sessionId: string, limit = 50): Promise<string[]> {
    const fk = fileKeys(tenantId);
    const r = rangeOf(fk.openedPrefix(sessionId));
    const rows = await this.store.transact((tx) =>
      tx.getRange(r.begin, r.end, { limit, reverse: true }),
    );
    return rows.map((row) => fk.openedSpace.unpack(row.key)[2] as string);
  }

  /** The files `userId` opened across their workspace sessions, newest first, paged. */
  recentOfUser(tenantId: string, userId: string, req?: PageRequest): Promise<Page<WorkspaceFile>> {
    const fk = fileKeys(tenantId);
    return this.store.transact(async (tx) => {
      const { rows, nextCursor } = await scanPage(tx, fk.recentPrefix(userId), req, {
        reverse: true,
        defaultLimit: 20,
      });
      const items: WorkspaceFile[] = [];
      for (const row of rows as KeyValue[]) {
        const [, , sessionId, path] = fk.recentSpace.unpack(row.key) as [
          string,
          number,
          string,
          string,
        ];
        const raw = await tx.get(fk.file(sessionId, path));
        if (raw) items.push(toFile(sessionId, path, decodeJson<FileRecord>(raw)));
      }
      return { items, nextCursor };
    });
  }
}
