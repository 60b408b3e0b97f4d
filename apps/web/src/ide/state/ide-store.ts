import { createStore, type StoreApi } from "zustand/vanilla";
import { languageForPath } from "../editor/language";
import type {
  AutosaveStatus,
  Breakpoint,
  Decision,
  EditorLayout,
  GroupIndex,
  IdeTab,
  JsonValue,
  PanelSizes,
} from "./types";

export interface DiskFile {
  content: string;
  mtimeMs: number;
}

/** A file the editor does not open: binary, or larger than the server reads into an editor. */
export interface UnreadableFile {
  reason: "binary" | "tooLarge";
  size: number;
  mtimeMs: number;
}

export interface Notice {
  id: number;
  text: string;
}

/** Ctrl+S found the file changed on disk since it was read: the person chooses. */
export interface SaveConflict {
  path: string;
  diskContent: string;
  diskMtimeMs: number;
}

/**
 * The IDE's own state: everything a person would expect back after a reload. Server data
 * (file lists, sessions) belongs to tRPC + React Query; this holds what the IDE owns.
 */
export interface IdeState {
  workspaceId: string;
  readOnly: boolean;
  layout: EditorLayout;
  tabs: IdeTab[];
  /** The shown tab's path per group. */
  active: [string | null, string | null];
  focusedGroup: GroupIndex;
  /** Unsaved text per path: a path here is a modified file. */
  buffers: Record<string, string>;
  /** File contents as last read from or written to disk (not saved in the session). */
  files: Record<string, DiskFile>;
  /** Files read as binary or too large: their tabs show why instead of an editor. */
  unreadable: Record<string, UnreadableFile>;
  breakpoints: Breakpoint[];
  watches: string[];
  facts: string[];
  decisions: Decision[];
  panels: PanelSizes;
  /** The file tree's open folders (the root is always open). */
  expandedFolders: string[];
  terminals: { id: string; name: string }[];
  activeTerminal: string | null;
  cursor: { line: number; column: number } | null;
  status: AutosaveStatus;
  /** A refusal from the server, shown until the next successful save. */
  saveError: string | null;
  notices: Notice[];
  saveConflict: SaveConflict | null;
}

export interface IdeActions {
  openFile(path: string, group?: GroupIndex): void;
  closeTab(path: string, group: GroupIndex): void;
  setActive(path: string, group: GroupIndex): void;
  focusGroup(group: GroupIndex): void;
  setLayout(layout: EditorLayout): void;
  setViewState(path: string, group: GroupIndex, viewState: JsonValue | null): void;
  /** The editor's text for a path: kept as unsaved text unless it equals the disk's. */
  setText(path: string, text: string): void;
  fileRead(path: string, file: DiskFile): void;
  fileWritten(path: string, file: DiskFile): void;
  fileUnreadable(path: string, file: UnreadableFile): void;
  /** Discards unsaved text (reload from disk). */
  revert(path: string): void;
  pathRenamed(from: string, to: string): void;
  pathDeleted(path: string): void;
  toggleBreakpoint(path: string, line: number): void;
  addWatch(expression: string): void;
  removeWatch(index: number): void;
  addFact(text: string): void;
  removeFact(index: number): void;
  addDecision(text: string, at: string): void;
  removeDecision(index: number): void;
  setPanels(sizes: Partial<PanelSizes>): void;
  /** Opens or closes a folder of the file tree (`open` forces one way). */
  toggleFolder(path: string, open?: boolean): void;
  toggleTerminalPanel(): void;
  setTerminals(terminals: { id: string; name: string }[], active?: string | null): void;
  setActiveTerminal(id: string): void;
  setCursor(cursor: { line: number; column: number } | null): void;
  setStatus(status: AutosaveStatus, saveError?: string | null): void;
  notify(text: string): void;
  dismissNotice(id: number): void;
  setSaveConflict(conflict: SaveConflict | null): void;
  /** Replaces the saved parts of the state at once (resume, or a merge after CONFLICT). */
  replace(state: Partial<IdeState>): void;
}

export type IdeStore = StoreApi<IdeState & IdeActions>;

/** As many open folders as a session keeps (the API's limit); the oldest go first. */
export const MAX_EXPANDED_FOLDERS = 1000;

export const DEFAULT_PANELS: PanelSizes = {
  sidebar: 20,
  terminal: 30,
  split: 50,
  terminalOpen: true,
};

export function initialIdeState(workspaceId: string, readOnly = false): IdeState {
  return {
    workspaceId,
    readOnly,
    layout: "single",
    tabs: [],
    active: [null, null],
    focusedGroup: 0,
    buffers: {},
    files: {},
    unreadable: {},
    breakpoints: [],
    watches: [],
    facts: [],
    decisions: [],
    panels: { ...DEFAULT_PANELS },
    expandedFolders: [],
    terminals: [],
    activeTerminal: null,
    cursor: null,
    status: "Saved",
    saveError: null,
    notices: [],
    saveConflict: null,
  };
}

function other(group: GroupIndex): GroupIndex {
  return group === 0 ? 1 : 0;
}

/** `path` itself or anything under it, moved to `to` (null when it is not affected). */
function movedPath(path: string, from: string, to: string): string | null {
  if (path === from) return to;
  if (path.startsWith(`${from}/`)) return to + path.slice(from.length);
  return null;
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

let noticeIds = 0;

export function createIdeStore(workspaceId: string, readOnly = false): IdeStore {
  return createStore<IdeState & IdeActions>()((set, get) => ({
    ...initialIdeState(workspaceId, readOnly),

    openFile(path, group) {
      const s = get();
      const target = group ?? (s.layout === "single" ? 0 : s.focusedGroup);
      const exists = s.tabs.some((t) => t.path === path && t.group === target);
      const tabs = exists
        ? s.tabs
        : [...s.tabs, { path, group: target, language: languageForPath(path), viewState: null }];
      const active: [string | null, string | null] = [...s.active];
      active[target] = path;
      set({ tabs, active, focusedGroup: target });
    },

    closeTab(path, group) {
      const s = get();
      const index = s.tabs.findIndex((t) => t.path === path && t.group === group);
      if (index < 0) return;
      const tabs = s.tabs.filter((_, i) => i !== index);
      const active: [string | null, string | null] = [...s.active];
      if (active[group] === path) {
        const inGroup = tabs.filter((t) => t.group === group);
        // The neighbour that took the closed tab's place, as editors do.
        const before = s.tabs.slice(0, index).filter((t) => t.group === group).length;
        active[group] = (inGroup[before] ?? inGroup[before - 1])?.path ?? null;
      }
      // Closing a modified file's last tab keeps its unsaved text only if another tab shows it.
      const stillOpen = tabs.some((t) => t.path === path);
      const buffers = stillOpen ? s.buffers : dropKey(s.buffers, path);
      set({ tabs, active, buffers });
    },

    setActive(path, group) {
      const active: [string | null, string | null] = [...get().active];
      active[group] = path;
      set({ active, focusedGroup: group });
    },

    focusGroup(group) {
      if (get().focusedGroup !== group) set({ focusedGroup: group });
    },

    setLayout(layout) {
      const s = get();
      if (layout === "single") {
        // Group 1's tabs join group 0, as closing a split does in editors.
        const first = s.tabs.filter((t) => t.group === 0);
        const seen = new Set(first.map((t) => t.path));
        const moved = s.tabs
          .filter((t) => t.group === 1 && !seen.has(t.path))
          .map((t) => ({ ...t, group: 0 as GroupIndex }));
        const tabs = [...first, ...moved];
        const shown = s.active[s.focusedGroup] ?? s.active[0];
        set({ layout, tabs, active: [shown, null], focusedGroup: 0 });
        return;
      }
      if (s.layout === "single" && !s.tabs.some((t) => t.group === 1)) {
        // A new split shows the focused file on both sides, as editors do.
        const shown = s.active[0];
        const tab = s.tabs.find((t) => t.path === shown && t.group === 0);
        const tabs = tab ? [...s.tabs, { ...tab, group: 1 as GroupIndex }] : s.tabs;
        set({ layout, tabs, active: [shown, shown], focusedGroup: tab ? 1 : 0 });
        return;
      }
      set({ layout });
    },

    setViewState(path, group, viewState) {
      const s = get();
      const index = s.tabs.findIndex((t) => t.path === path && t.group === group);
      const tab = s.tabs[index];
      if (!tab || sameJson(tab.viewState, viewState)) return;
      const tabs = [...s.tabs];
      tabs[index] = { ...tab, viewState };
      set({ tabs });
    },

    setText(path, text) {
      const s = get();
      const disk = s.files[path];
      if (disk && disk.content === text) {
        if (path in s.buffers) set({ buffers: dropKey(s.buffers, path) });
        return;
      }
      if (s.buffers[path] === text) return;
      set({ buffers: { ...s.buffers, [path]: text } });
    },

    fileRead(path, file) {
      const s = get();
      const buffers = s.buffers[path] === file.content ? dropKey(s.buffers, path) : s.buffers;
      set({
        files: { ...s.files, [path]: file },
        buffers,
        unreadable: dropKey(s.unreadable, path),
      });
    },

    fileWritten(path, file) {
      const s = get();
      const buffers = s.buffers[path] === file.content ? dropKey(s.buffers, path) : s.buffers;
      set({
        files: { ...s.files, [path]: file },
        buffers,
        unreadable: dropKey(s.unreadable, path),
        saveConflict: null,
      });
    },

    fileUnreadable(path, file) {
      const s = get();
      set({ unreadable: { ...s.unreadable, [path]: file }, files: dropKey(s.files, path) });
    },

    revert(path) {
      const s = get();
      if (path in s.buffers) set({ buffers: dropKey(s.buffers, path) });
    },

    pathRenamed(from, to) {
      const s = get();
      const move = (p: string) => movedPath(p, from, to) ?? p;
      set({
        tabs: s.tabs.map((t) =>
          movedPath(t.path, from, to) === null
            ? t
            : { ...t, path: move(t.path), language: languageForPath(move(t.path)) },
        ),
        active: [
          s.active[0] === null ? null : move(s.active[0]),
          s.active[1] === null ? null : move(s.active[1]),
        ],
        buffers: mapKeys(s.buffers, move),
        files: mapKeys(s.files, move),
        unreadable: mapKeys(s.unreadable, move),
        breakpoints: s.breakpoints.map((b) =>
          movedPath(b.path, from, to) === null ? b : { ...b, path: move(b.path) },
        ),
        expandedFolders: s.expandedFolders.some((p) => movedPath(p, from, to) !== null)
          ? s.expandedFolders.map(move)
          : s.expandedFolders,
      });
    },

    pathDeleted(path) {
      const s = get();
      const gone = (p: string) => isUnder(p, path);
      const tabs = s.tabs.filter((t) => !gone(t.path));
      const active: [string | null, string | null] = [s.active[0], s.active[1]];
      for (const g of [0, 1] as const) {
        const shown = active[g];
        if (shown !== null && gone(shown)) {
          active[g] = tabs.find((t) => t.group === g)?.path ?? null;
        }
      }
      set({
        tabs,
        active,
        // Unsaved text of a deleted file stays until its tab is closed: it was open, and
        // only a person should throw text away. Tabs are gone, so it is dropped with them.
        buffers: filterKeys(s.buffers, (p) => !gone(p)),
        files: filterKeys(s.files, (p) => !gone(p)),
        unreadable: filterKeys(s.unreadable, (p) => !gone(p)),
        breakpoints: s.breakpoints.filter((b) => !gone(b.path)),
        expandedFolders: s.expandedFolders.some(gone)
          ? s.expandedFolders.filter((p) => !gone(p))
          : s.expandedFolders,
      });
    },

    toggleBreakpoint(path, line) {
      const s = get();
      const exists = s.breakpoints.some((b) => b.path === path && b.line === line);
      set({
        breakpoints: exists
          ? s.breakpoints.filter((b) => !(b.path === path && b.line === line))
          : [...s.breakpoints, { path, line, enabled: true }],
      });
    },

    addWatch(expression) {
      const text = expression.trim();
      if (text) set({ watches: [...get().watches, text] });
    },
    removeWatch(index) {
      set({ watches: get().watches.filter((_, i) => i !== index) });
    },
    addFact(text) {
      const fact = text.trim();
      if (fact) set({ facts: [...get().facts, fact] });
    },
    removeFact(index) {
      set({ facts: get().facts.filter((_, i) => i !== index) });
    },
    addDecision(text, at) {
      const decision = text.trim();
      if (decision) set({ decisions: [...get().decisions, { text: decision, at }] });
    },
    removeDecision(index) {
      set({ decisions: get().decisions.filter((_, i) => i !== index) });
    },

    setPanels(sizes) {
      const panels = { ...get().panels, ...sizes };
      if (!sameJson(panels, get().panels)) set({ panels });
    },
    toggleFolder(path, open) {
      if (path === "") return;
      const folders = get().expandedFolders;
      const isOpen = folders.includes(path);
      const next = open ?? !isOpen;
      if (next === isOpen) return;
      set({
        expandedFolders: next
          ? [...folders, path].slice(-MAX_EXPANDED_FOLDERS)
          : folders.filter((p) => p !== path),
      });
    },

    toggleTerminalPanel() {
      const panels = get().panels;
      set({ panels: { ...panels, terminalOpen: !panels.terminalOpen } });
    },
    setTerminals(terminals, active) {
      const current = active === undefined ? get().activeTerminal : active;
      const activeTerminal = terminals.some((t) => t.id === current)
        ? current
        : (terminals[0]?.id ?? null);
      set({ terminals, activeTerminal });
    },
    setActiveTerminal(id) {
      set({ activeTerminal: id });
    },
    setCursor(cursor) {
      const now = get().cursor;
      if (now?.line === cursor?.line && now?.column === cursor?.column) return;
      set({ cursor });
    },
    setStatus(status, saveError) {
      const patch: Partial<IdeState> = { status };
      if (saveError !== undefined) patch.saveError = saveError;
      set(patch);
    },
    notify(text) {
      noticeIds += 1;
      set({ notices: [...get().notices, { id: noticeIds, text }] });
    },
    dismissNotice(id) {
      set({ notices: get().notices.filter((n) => n.id !== id) });
    },
    setSaveConflict(saveConflict) {
      set({ saveConflict });
    },
    replace(state) {
      set(state);
    },
  }));
}

export function dropKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _, ...rest } = record;
  return rest;
}

function mapKeys<T>(record: Record<string, T>, map: (key: string) => string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(record)) out[map(k)] = v;
  return out;
}

function filterKeys<T>(record: Record<string, T>, keep: (key: string) => boolean) {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(record)) if (keep(k)) out[k] = v;
  return out;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

export { other as otherGroup };
