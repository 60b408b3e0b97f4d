/**
 * Quick open's file-name index of one workspace folder: built by one walk, kept current by
 * the file operations that go through Hearth, walked again before the next answer once a
 * terminal command has finished in the folder (what `touch` made shows at once), and in the
 * background when it is older than `refreshAfterMs` (what a command still running makes).
 * Otherwise a query never walks the folder; it runs fuzzysort over the prepared paths.
 */
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import fuzzysort from "fuzzysort";
import { folderActivity } from "./folder-activity";
import { inFolder } from "./pinned-folder";

export interface FileSearchHit {
  /** Workspace-relative path. */
  path: string;
  /** fuzzysort's score, 1 for an exact match; 0 for the listing of an empty query. */
  score: number;
  /** Whether it was opened recently (such hits come first). */
  recent: boolean;
  /** Indexes of the matched characters in `path`, for highlighting. */
  matches: number[];
}

export interface FileSearchOptions {
  limit?: number;
  /** Recently opened paths, newest first: those that match are listed first, in this order. */
  recent?: readonly string[];
}

export interface SearchIndexOptions {
  /** Folder names never indexed (default `.git`, `node_modules`). */
  exclude?: readonly string[];
  /** Paths kept at most (default 200,000); a bigger folder is indexed in part. */
  maxEntries?: number;
  /** Age after which a query starts a background walk (default 10 s). */
  refreshAfterMs?: number;
  /**
   * Folders whose reported activity (a terminal command finished there, see
   * folder-activity.ts) makes the next query walk again first (default: the root).
   */
  activityFolders?: readonly string[];
}

/** A walk that took longer than this is not awaited by a query, only started. */
const AWAITED_WALK_MS = 250;

const DEFAULT_EXCLUDE = [".git", "node_modules"];
const TEMP_FILE = /^\.hearth-[0-9a-f]{16}\.tmp$/;

type Prepared = ReturnType<typeof fuzzysort.prepare>;

export class FileSearchIndex {
  private entries = new Map<string, Prepared>();
  private targets: Prepared[] | null = null;
  private builtAt = 0;
  private building: Promise<void> | null = null;
  /** Changes made while a walk runs, applied again over its result. */
  private pending: Array<(m: Map<string, Prepared>) => void> | null = null;
  private readonly exclude: ReadonlySet<string>;
  private readonly maxEntries: number;
  private readonly refreshAfterMs: number;
  private readonly activityFolders: readonly string[];
  /** The folders' activity count when the current walk started. */
  private activitySeen = 0;
  private lastWalkMs = 0;

  constructor(
    private readonly rootReal: string,
    opts: SearchIndexOptions = {},
  ) {
    this.exclude = new Set(opts.exclude ?? DEFAULT_EXCLUDE);
    this.maxEntries = opts.maxEntries ?? 200_000;
    this.refreshAfterMs = opts.refreshAfterMs ?? 10_000;
    this.activityFolders = [...new Set(opts.activityFolders ?? [rootReal])];
  }

  get size(): number {
    return this.entries.size;
  }

  /** Files matching `query` (all files for an empty one), recently opened first. */
  async search(query: string, opts: FileSearchOptions = {}): Promise<FileSearchHit[]> {
    if (this.builtAt === 0) await this.rebuild();
    else if (this.activity() !== this.activitySeen) {
      // A command finished in the folder since the last walk: what it made is wanted now,
      // unless walking this folder is slow, when the walk only starts.
      // A walk already under way may have passed what the command made: walk once more.
      const walk = this.building ? this.building.then(() => this.rebuild()) : this.rebuild();
      if (this.lastWalkMs <= AWAITED_WALK_MS) await walk;
      else void walk.catch(() => {});
    } else if (Date.now() - this.builtAt > this.refreshAfterMs && !this.building) {
      void this.rebuild().catch(() => {});
    }
    const limit = opts.limit ?? 50;
    const q = query.trim();
    const hits: FileSearchHit[] = [];
    const taken = new Set<string>();
    for (const path of opts.recent ?? []) {
      if (hits.length >= limit) break;
      const target = this.entries.get(path);
      if (!target || taken.has(path)) continue;
      const m = q ? fuzzysort.single(q, target) : null;
      if (q && !m) continue;
      hits.push({ path, score: m?.score ?? 0, recent: true, matches: m ? [...m.indexes] : [] });
      taken.add(path);
    }
    if (hits.length >= limit) return hits;
    const targets = this.targetList();
    const results = q
      ? fuzzysort.go(q, targets, { limit: limit + taken.size, threshold: 0 })
      : targets
          .slice(0, limit + taken.size)
          .map((t) => ({ target: t.target, score: 0, indexes: [] }));
    for (const r of results) {
      if (hits.length >= limit) break;
      if (taken.has(r.target)) continue;
      hits.push({ path: r.target, score: r.score, recent: false, matches: [...r.indexes] });
    }
    return hits;
  }

  /** A file was written (or made) at `path`. */
  added(path: string): void {
    this.change((m) => {
      if (!m.has(path) && m.size < this.maxEntries) m.set(path, fuzzysort.prepare(path));
    });
  }

  /** The file or folder at `path` is gone, with everything under it. */
  removed(path: string): void {
    this.change((m) => removeTree(m, path));
  }

  /** `from` (a file or folder) is now at `to`. */
  renamed(from: string, to: string): void {
    this.change((m) => {
      const moved: string[] = [];
      if (m.delete(from)) moved.push(to);
      const under = `${from}/`;
      for (const key of [...m.keys()]) {
        if (!key.startsWith(under)) continue;
        m.delete(key);
        moved.push(to + key.slice(from.length));
      }
      removeTree(m, to);
      for (const p of moved) m.set(p, fuzzysort.prepare(p));
    });
  }

  private change(fn: (m: Map<string, Prepared>) => void): void {
    if (this.builtAt === 0 && !this.building) return; // nothing indexed yet
    fn(this.entries);
    this.pending?.push(fn);
    this.targets = null;
  }

  private targetList(): Prepared[] {
    this.targets ??= [...this.entries.values()];
    return this.targets;
  }

  /** Walks the folder and replaces the index; one walk at a time. */
  rebuild(): Promise<void> {
    this.building ??= (async () => {
      this.pending = [];
      const started = Date.now();
      this.activitySeen = this.activity();
      try {
        const fresh = await this.walk();
        this.lastWalkMs = Date.now() - started;
        for (const fn of this.pending) fn(fresh);
        this.entries = fresh;
        this.targets = null;
        this.builtAt = Date.now();
      } finally {
        this.pending = null;
        this.building = null;
      }
    })();
    return this.building;
  }

  private activity(): number {
    let n = 0;
    for (const folder of this.activityFolders) n += folderActivity(folder);
    return n;
  }

  private async leadsToFolder(path: string): Promise<boolean> {
    try {
      return (await stat(join(this.rootReal, path))).isDirectory();
    } catch {
      return false; // dangling: listed like a file, as fs.list shows it
    }
  }

  private async walk(): Promise<Map<string, Prepared>> {
    const out = new Map<string, Prepared>();
    const folders: string[] = [""];
    while (folders.length > 0 && out.size < this.maxEntries) {
      const rel = folders.shift()!;
      let dirents: Dirent[];
      try {
        // Read through the folder held open and checked to be inside: one swapped for a
        // symlink since it was listed cannot show names from elsewhere.
        const folder = rel ? join(this.rootReal, rel) : this.rootReal;
        dirents = await inFolder(this.rootReal, folder, rel, (dir) =>
          readdir(dir.at(), { withFileTypes: true }),
        );
      } catch {
        continue; // removed, unreadable or outside
      }
      for (const d of dirents) {
        const path = rel ? `${rel}/${d.name}` : d.name;
        if (d.isDirectory()) {
          if (!this.exclude.has(d.name)) folders.push(path);
        } else if (d.isSymbolicLink() && (await this.leadsToFolder(path))) {
          // Not followed: a link to a folder could loop or lead outside.
        } else if (!TEMP_FILE.test(d.name) && out.size < this.maxEntries) {
          out.set(path, fuzzysort.prepare(path));
        }
      }
    }
    return out;
  }
}

/** Drops `path` and every path under it. */
function removeTree(m: Map<string, unknown>, path: string): void {
  m.delete(path);
  const under = `${path}/`;
  for (const key of m.keys()) if (key.startsWith(under)) m.delete(key);
}
