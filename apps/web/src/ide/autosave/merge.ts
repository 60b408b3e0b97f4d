import type { EditorPart, GroupIndex, SessionParts } from "../state/types";

/** A file's text from the other side of a conflict, kept under a path of its own. */
export interface RecoveredCopy {
  path: string;
  copyPath: string;
}

export interface MergeResult {
  parts: SessionParts;
  copies: RecoveredCopy[];
}

/**
 * Three-way list merge: this side's list, plus what the other side added since `base`,
 * minus what the other side removed since `base`.
 */
export function mergeList<T>(base: T[], local: T[], remote: T[], key: (item: T) => string): T[] {
  const inBase = new Set(base.map(key));
  const inRemote = new Set(remote.map(key));
  const inLocal = new Set(local.map(key));
  const kept = local.filter((item) => !(inBase.has(key(item)) && !inRemote.has(key(item))));
  const added = remote.filter((item) => !inBase.has(key(item)) && !inLocal.has(key(item)));
  return [...kept, ...added];
}

function stamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-` +
    `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`
  );
}

/** The path a recovered copy of `path` is kept under. */
export function copyPathFor(path: string, now: Date, taken: (p: string) => boolean): string {
  const first = `${path}.conflict-${stamp(now)}`;
  let candidate = first;
  for (let n = 2; taken(candidate); n++) candidate = `${first}-${n}`;
  return candidate;
}

/**
 * Merges this tab's state with what another tab or device saved first. View state (the
 * editor part) is last writer wins, and this tab writes last. Lists (breakpoints,
 * watches, notes) merge three-way. Unsaved text merges per file; when both sides changed
 * the same file, this tab's text stays and the other's is kept as a recovered copy, so no
 * text is dropped silently. Every file with unsaved text keeps a tab to reach it.
 */
export function mergeParts(
  base: SessionParts,
  local: SessionParts,
  remote: SessionParts,
  now: Date,
): MergeResult {
  const buffers: Record<string, string> = {};
  const copies: RecoveredCopy[] = [];
  const paths = new Set([
    ...Object.keys(base.buffers),
    ...Object.keys(local.buffers),
    ...Object.keys(remote.buffers),
  ]);
  const conflicts: [string, string][] = [];
  for (const path of paths) {
    const b = base.buffers[path];
    const l = local.buffers[path];
    const r = remote.buffers[path];
    let text: string | undefined;
    if (l === r || r === b) text = l;
    else if (l === b) text = r;
    else {
      text = l;
      if (r !== undefined) conflicts.push([path, r]);
    }
    if (text !== undefined) buffers[path] = text;
  }
  for (const [path, text] of conflicts) {
    const copyPath = copyPathFor(path, now, (p) => p in buffers || paths.has(p));
    buffers[copyPath] = text;
    copies.push({ path, copyPath });
  }

  const editor = withTabsFor(local.editor, Object.keys(buffers), remote.editor);
  const debug = {
    breakpoints: mergeList(
      base.debug.breakpoints,
      local.debug.breakpoints,
      remote.debug.breakpoints,
      (b) => `${b.path}\n${b.line}`,
    ),
    watchExpressions: mergeList(
      base.debug.watchExpressions,
      local.debug.watchExpressions,
      remote.debug.watchExpressions,
      (w) => w,
    ),
  };
  const memory = {
    facts: mergeList(base.memory.facts, local.memory.facts, remote.memory.facts, (f) => f),
    decisions: mergeList(
      base.memory.decisions,
      local.memory.decisions,
      remote.memory.decisions,
      (d) => `${d.at}\n${d.text}`,
    ),
  };
  return { parts: { editor, debug, memory, buffers }, copies };
}

/** `editor` with a tab for every path that has unsaved text (taking the other side's). */
function withTabsFor(editor: EditorPart, paths: string[], remote: EditorPart): EditorPart {
  const open = new Set(editor.openTabs.map((t) => t.path));
  const missing = paths.filter((p) => !open.has(p));
  if (missing.length === 0) return editor;
  const added = missing.map((path) => {
    const theirs = remote.openTabs.find((t) => t.path === path);
    const tab: EditorPart["openTabs"][number] = {
      path,
      viewState: theirs?.viewState ?? null,
      group: 0 as GroupIndex,
    };
    if (theirs?.language) tab.language = theirs.language;
    return tab;
  });
  return { ...editor, openTabs: [...editor.openTabs, ...added] };
}
