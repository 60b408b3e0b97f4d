import { languageForPath } from "../editor/language";
import { DEFAULT_PANELS, type IdeState, initialIdeState } from "./ide-store";
import type {
  EditorLayout,
  EditorPart,
  GroupIndex,
  IdeTab,
  JsonValue,
  PanelSizes,
  SessionParts,
  WorkspaceSession,
} from "./types";

function tabIndex(tabs: IdeTab[], path: string | null, group: GroupIndex): number {
  if (path === null) return -1;
  return tabs.findIndex((t) => t.path === path && t.group === group);
}

/** The parts of the IDE state that a session stores, in the API's shapes. */
export function toParts(state: IdeState): SessionParts {
  const focused = state.focusedGroup;
  const unfocused: GroupIndex = focused === 0 ? 1 : 0;
  const editor: EditorPart = {
    layout: state.layout,
    activeTabIndex: tabIndex(state.tabs, state.active[focused], focused),
    otherActiveTabIndex: tabIndex(state.tabs, state.active[unfocused], unfocused),
    openTabs: state.tabs.map((t) => ({
      path: t.path,
      viewState: t.viewState,
      language: t.language,
      group: t.group,
    })),
    panels: state.panels,
    expandedFolders: state.expandedFolders,
  };
  return {
    editor,
    debug: { breakpoints: state.breakpoints, watchExpressions: state.watches },
    memory: { facts: state.facts, decisions: state.decisions },
    buffers: state.buffers,
  };
}

const LAYOUTS: EditorLayout[] = ["single", "split-horizontal", "split-vertical"];

function isPanels(value: unknown): value is PanelSizes {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.sidebar === "number" &&
    typeof p.terminal === "number" &&
    typeof p.split === "number" &&
    typeof p.terminalOpen === "boolean"
  );
}

/** The IDE state a stored session's parts describe (the inverse of toParts). */
export function fromParts(parts: SessionParts): Partial<IdeState> {
  const editor = parts.editor;
  const layout = LAYOUTS.includes(editor.layout) ? editor.layout : "single";
  const tabs: IdeTab[] = [];
  for (const t of editor.openTabs) {
    const group: GroupIndex = layout !== "single" && t.group === 1 ? 1 : 0;
    // The same file twice in one group cannot be shown; keep the first.
    if (tabs.some((u) => u.path === t.path && u.group === group)) continue;
    tabs.push({
      path: t.path,
      group,
      language: t.language ?? languageForPath(t.path),
      viewState: (t.viewState ?? null) as JsonValue | null,
    });
  }
  const at = (index: number | undefined) => {
    const tab = editor.openTabs[index ?? -1];
    return tab
      ? { path: tab.path, group: (layout !== "single" && tab.group === 1 ? 1 : 0) as GroupIndex }
      : null;
  };
  const focusedTab = at(editor.activeTabIndex);
  const otherTab = at(editor.otherActiveTabIndex);
  const focusedGroup: GroupIndex = focusedTab?.group ?? 0;
  const active: [string | null, string | null] = [null, null];
  if (otherTab) active[otherTab.group] = otherTab.path;
  if (focusedTab) active[focusedTab.group] = focusedTab.path;
  // A group with tabs always shows one.
  for (const g of [0, 1] as const) {
    if (active[g] === null) active[g] = tabs.find((t) => t.group === g)?.path ?? null;
  }
  return {
    layout,
    tabs,
    active,
    focusedGroup,
    buffers: { ...parts.buffers },
    breakpoints: parts.debug.breakpoints.map((b) => ({ ...b })),
    watches: [...parts.debug.watchExpressions],
    facts: [...parts.memory.facts],
    decisions: parts.memory.decisions.map((d) => ({ ...d })),
    panels: isPanels(editor.panels) ? { ...editor.panels } : { ...DEFAULT_PANELS },
    expandedFolders: Array.isArray(editor.expandedFolders)
      ? editor.expandedFolders.filter((p): p is string => typeof p === "string" && p !== "")
      : [],
  };
}

/**
 * The browser-owned parts of a session as workspace.get returns them, in the shape this
 * IDE writes them: a session stored before a part of the editor existed (the panel
 * sizes, the open folders), or never opened, differs from what the IDE would save only by
 * defaults, and defaults are not a change to send (every tab opened would send one, and
 * two tabs opened together would each merge the other's first save).
 */
export function sessionParts(session: WorkspaceSession): SessionParts {
  const stored: SessionParts = {
    editor: session.editor as EditorPart,
    debug: session.debug,
    memory: session.memory,
    buffers: session.buffers,
  };
  return toParts({ ...initialIdeState(""), ...fromParts(stored) });
}
