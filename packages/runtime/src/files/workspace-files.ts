/**
 * The files of one workspace folder: list, read, write, mkdir, rename, delete, stat and
 * quick-open search, every path confined to the folder (see confine.ts). A pure Node
 * library: it knows an absolute folder and limits, nothing about users or the store.
 */
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  rm,
  stat,
  unlink,
} from "node:fs/promises";
import { basename, dirname } from "node:path";
import { isInside, type ResolvedPath, resolveInside } from "./confine";
import { decodeText } from "./content";
import { explainErrno, FileError, isErrno } from "./errors";
import { assertOpenedInside, inFolder, type PinnedFolder } from "./pinned-folder";
import { type FileSearchHit, FileSearchIndex, type SearchIndexOptions } from "./search-index";

/** The size cap of one file read into or saved from the editor (HEARTH_MAX_FILE_BYTES). */
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

export type FileKind = "file" | "directory" | "symlink";

export interface FileEntry {
  name: string;
  /** "symlink" only for a link that leads nowhere or outside the folder. */
  kind: FileKind;
  size: number;
  mtimeMs: number;
}

export interface FileStat {
  path: string;
  kind: FileKind;
  size: number;
  mtimeMs: number;
}

export interface FileContent {
  path: string;
  /** The text, or null when the file is binary or over the size cap. */
  content: string | null;
  encoding: "utf8" | null;
  binary: boolean;
  tooLarge: boolean;
  size: number;
  mtimeMs: number;
}

export interface WriteResult {
  path: string;
  size: number;
  mtimeMs: number;
  /** Whether the file did not exist before. */
  created: boolean;
}

export interface WorkspaceFilesOptions {
  maxFileBytes?: number;
  search?: SearchIndexOptions;
}

const TEMP_FILE = /^\.hearth-[0-9a-f]{16}\.tmp$/;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function kindOf(st: Stats): FileKind {
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "file";
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if (isErrno(err, "ENOENT", "ENOTDIR")) return null;
    throw err;
  }
}

function notFound(rel: string): FileError {
  return new FileError("not_found", `Nothing exists at "${rel}" in this workspace.`);
}

function changedIntoLink(rel: string): FileError {
  return new FileError("invalid", `"${rel}" changed into a symlink since it was checked.`);
}

function isRoot(r: ResolvedPath): boolean {
  return r.rel === "";
}

export class WorkspaceFiles {
  readonly maxFileBytes: number;
  private readonly index: FileSearchIndex;
  private readonly writes = new Map<string, Promise<unknown>>();

  private constructor(
    /** The real path of the workspace folder. */
    readonly root: string,
    opts: WorkspaceFilesOptions,
    /** The folder as it was named, which terminals report activity under. */
    named: string,
  ) {
    this.maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.index = new FileSearchIndex(root, { activityFolders: [root, named], ...opts.search });
  }

  /** The files of the folder `root`, which is created if missing. */
  static async open(root: string, opts: WorkspaceFilesOptions = {}): Promise<WorkspaceFiles> {
    await mkdir(root, { recursive: true });
    return new WorkspaceFiles(await realpath(root), opts, root);
  }

  resolve(path: string): Promise<ResolvedPath> {
    return resolveInside(this.root, path);
  }

  /** One folder level, folders first, then by name as a person sorts them. */
  async list(path: string): Promise<{ path: string; entries: FileEntry[] }> {
    return this.explained(path, async () => {
      const r = await this.resolve(path);
      if (!r.exists) throw notFound(r.rel);
      const entries = await inFolder(this.root, r.real, r.rel, async (dir) => {
        const dirents = await readdir(dir.at(), { withFileTypes: true });
        return Promise.all(
          dirents
            .filter((d) => !TEMP_FILE.test(d.name))
            .map((d) => this.entryOf(dir.at(d.name), d.name)),
        );
      });
      const present = entries.filter((e): e is FileEntry => e !== null);
      present.sort((a, b) => {
        const da = a.kind === "directory" ? 0 : 1;
        const db = b.kind === "directory" ? 0 : 1;
        return da - db || collator.compare(a.name, b.name) || (a.name < b.name ? -1 : 1);
      });
      return { path: r.rel, entries: present };
    });
  }

  private async entryOf(abs: string, name: string): Promise<FileEntry | null> {
    const own = await lstatOrNull(abs);
    if (!own) return null;
    let st = own;
    if (own.isSymbolicLink()) {
      // A link is shown as what it leads to, when that is inside the folder.
      try {
        const target = await realpath(abs);
        if (isInside(this.root, target)) st = await stat(target);
      } catch {
        // dangling or a loop: shown as a symlink
      }
    }
    return { name, kind: kindOf(st), size: st.isDirectory() ? 0 : st.size, mtimeMs: st.mtimeMs };
  }

  async stat(path: string): Promise<FileStat> {
    return this.explained(path, async () => {
      const r = await this.resolve(path);
      if (!r.exists) throw notFound(r.rel);
      const st = await this.lstatIn(r);
      if (!st) throw notFound(r.rel);
      return {
        path: r.rel,
        kind: kindOf(st),
        size: st.isDirectory() ? 0 : st.size,
        mtimeMs: st.mtimeMs,
      };
    });
  }

  /** The file's text, or `binary` / `tooLarge` instead of content. */
  async read(path: string): Promise<FileContent> {
    return this.explained(path, async () => {
      const r = await this.resolve(path);
      if (!r.exists) throw notFound(r.rel);
      let fh: FileHandle;
      try {
        // O_NOFOLLOW: a symlink swapped in since the check is refused, not followed;
        // O_NONBLOCK: a FIFO does not hang the request.
        fh = await open(r.real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (err) {
        if (isErrno(err, "ENOENT")) throw notFound(r.rel);
        if (isErrno(err, "ELOOP")) throw changedIntoLink(r.rel);
        throw err;
      }
      try {
        await assertOpenedInside(fh, this.root, r.rel);
        const st = await fh.stat();
        if (st.isDirectory()) throw new FileError("invalid", `"${r.rel}" is a folder, not a file.`);
        if (!st.isFile()) throw new FileError("invalid", `"${r.rel}" is not a regular file.`);
        const base = { path: r.rel, size: st.size, mtimeMs: st.mtimeMs };
        if (st.size > this.maxFileBytes) {
          return { ...base, content: null, encoding: null, binary: false, tooLarge: true };
        }
        const text = decodeText(await fh.readFile());
        if (text === null)
          return { ...base, content: null, encoding: null, binary: true, tooLarge: false };
        return { ...base, content: text, encoding: "utf8", binary: false, tooLarge: false };
      } finally {
        await fh.close();
      }
    });
  }

  /**
   * Saves `content` atomically: a temporary file in the same folder, then a rename over
   * the old one, so a reader sees the old file or the new one, never half of either.
   * With `expectedMtimeMs`, a file changed (or deleted) on disk since is CONFLICT.
   */
  async write(
    path: string,
    content: string,
    opts: { expectedMtimeMs?: number | undefined } = {},
  ): Promise<WriteResult> {
    return this.explained(path, async () => {
      const bytes = Buffer.byteLength(content, "utf8");
      if (bytes > this.maxFileBytes) throw this.tooLarge(bytes);
      const r = await this.resolve(path);
      if (isRoot(r)) throw new FileError("invalid", "The workspace folder itself is not a file.");
      const folder = dirname(r.real);
      const name = basename(r.real);
      return this.serialized(r.real, async () => {
        await mkdir(folder, { recursive: true });
        return inFolder(this.root, folder, r.rel, (dir) =>
          this.writeIn(dir, name, r.rel, content, opts.expectedMtimeMs),
        );
      });
    });
  }

  /** The save itself, in the file's folder held open (see PinnedFolder). */
  private async writeIn(
    dir: PinnedFolder,
    name: string,
    rel: string,
    content: string,
    expectedMtimeMs: number | undefined,
  ): Promise<WriteResult> {
    const before = await lstatOrNull(dir.at(name));
    if (before?.isSymbolicLink()) throw changedIntoLink(rel);
    if (before?.isDirectory()) throw new FileError("invalid", `"${rel}" is a folder, not a file.`);
    if (expectedMtimeMs !== undefined) {
      if (!before) {
        throw new FileError("conflict", `"${rel}" was deleted on disk since it was read.`, {
          currentMtimeMs: null,
        });
      }
      if (before.mtimeMs !== expectedMtimeMs) {
        throw new FileError("conflict", `"${rel}" changed on disk since it was read.`, {
          currentMtimeMs: before.mtimeMs,
        });
      }
    }
    const temp = dir.at(`.hearth-${randomBytes(8).toString("hex")}.tmp`);
    const fh = await open(temp, "wx", before ? before.mode & 0o7777 : 0o666);
    try {
      try {
        await fh.writeFile(content, "utf8");
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(temp, dir.at(name));
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
    const after = await stat(dir.at(name));
    this.index.added(rel);
    return { path: rel, size: after.size, mtimeMs: after.mtimeMs, created: !before };
  }

  /** Makes the folder and any missing parents; an existing folder is fine. */
  async mkdir(path: string): Promise<{ path: string; created: boolean }> {
    return this.explained(path, async () => {
      const r = await this.resolve(path);
      if (isRoot(r)) return { path: r.rel, created: false };
      if (r.exists) {
        if ((await this.lstatIn(r))?.isDirectory()) return { path: r.rel, created: false };
        throw new FileError("conflict", `A file named "${r.rel}" is in the way.`);
      }
      const folder = dirname(r.real);
      await mkdir(folder, { recursive: true });
      await inFolder(this.root, folder, r.rel, (dir) => mkdir(dir.at(basename(r.real))));
      return { path: r.rel, created: true };
    });
  }

  /**
   * Moves a file or folder (a symlink is moved as the link). An existing `to` is refused
   * unless `overwrite`; missing parent folders of `to` are made.
   */
  async rename(
    from: string,
    to: string,
    opts: { overwrite?: boolean | undefined } = {},
  ): Promise<{ from: string; to: string; kind: FileKind }> {
    return this.explained(from, async () => {
      const a = await this.resolve(from);
      const b = await this.resolve(to);
      if (isRoot(a) || isRoot(b)) {
        throw new FileError("invalid", "The workspace folder itself cannot be renamed.");
      }
      const st = await lstatOrNull(a.path);
      if (!st) throw notFound(a.rel);
      const kind = kindOf(st);
      if (a.path === b.path) return { from: a.rel, to: b.rel, kind };
      if (b.path.startsWith(`${a.path}/`)) {
        throw new FileError("invalid", "A folder cannot be moved into itself.");
      }
      // An existing `to` is replaced as the entry it is (a link as the link); a new one
      // lands where its real parent folders are, made if missing.
      const exists = (await lstatOrNull(b.path)) !== null;
      if (exists && !opts.overwrite) {
        throw new FileError("conflict", `"${b.rel}" already exists; pass overwrite to replace it.`);
      }
      const target = exists ? b.path : b.real;
      await mkdir(dirname(target), { recursive: true });
      await inFolder(this.root, dirname(a.path), a.rel, (src) =>
        inFolder(this.root, dirname(target), b.rel, async (dst) => {
          const to = dst.at(basename(target));
          if (exists) await rm(to, { recursive: true, force: true });
          await rename(src.at(basename(a.path)), to);
        }),
      );
      this.index.renamed(a.rel, b.rel);
      return { from: a.rel, to: b.rel, kind };
    });
  }

  /** Deletes a file, a symlink (not its target) or a folder with everything in it. */
  async delete(path: string): Promise<{ path: string; kind: FileKind }> {
    return this.explained(path, async () => {
      const r = await this.resolve(path);
      if (isRoot(r))
        throw new FileError("invalid", "The workspace folder itself cannot be deleted.");
      const st = await inFolder(this.root, dirname(r.path), r.rel, async (dir) => {
        const entry = dir.at(basename(r.path));
        const found = await lstatOrNull(entry);
        if (found?.isDirectory()) await rm(entry, { recursive: true });
        else if (found) await unlink(entry);
        return found;
      });
      if (!st) throw notFound(r.rel);
      this.index.removed(r.rel);
      return { path: r.rel, kind: kindOf(st) };
    });
  }

  /** Quick open: file names matching `query`, the recently opened ones first. */
  search(
    query: string,
    opts: { limit?: number; recent?: readonly string[] } = {},
  ): Promise<FileSearchHit[]> {
    return this.index.search(query, opts);
  }

  /** Runs an operation on `path`, with what the system refuses told as a FileError. */
  private async explained<T>(path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw explainErrno(err, path);
    }
  }

  private tooLarge(bytes: number): FileError {
    return new FileError(
      "too_large",
      `That is ${bytes} bytes; a file saved here may have at most ${this.maxFileBytes} bytes.`,
    );
  }

  /**
   * What is at a resolved path now, seen through its parent folder held open; a symlink
   * there (the path was checked to have none) was swapped in since and is refused.
   */
  private async lstatIn(r: ResolvedPath): Promise<Stats | null> {
    if (isRoot(r)) return stat(this.root);
    return inFolder(this.root, dirname(r.real), r.rel, async (dir) => {
      const st = await lstatOrNull(dir.at(basename(r.real)));
      if (st?.isSymbolicLink()) throw changedIntoLink(r.rel);
      return st;
    });
  }

  /** Runs writes to one path one after another, so a stale mtime is always seen. */
  private serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.writes.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => {});
    this.writes.set(key, settled);
    void settled.then(() => {
      if (this.writes.get(key) === settled) this.writes.delete(key);
    });
    return next;
  }
}
