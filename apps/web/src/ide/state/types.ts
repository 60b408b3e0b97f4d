import type { WorkspaceSessionOutput } from "@hearth/api";

/** Any JSON value: what a Monaco view state is once it has been through the API. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** The two editor groups of a split layout; a single layout shows group 0 only. */
export type GroupIndex = 0 | 1;

export type EditorLayout = "single" | "split-horizontal" | "split-vertical";

export interface IdeTab {
  path: string;
  language: string;
  group: GroupIndex;
  /** Monaco's saveViewState() for this tab, or null before it was first shown. */
  viewState: JsonValue | null;
}

export interface Breakpoint {
  path: string;
  line: number;
  condition?: string;
  enabled: boolean;
}

export interface Decision {
  text: string;
  /** ISO-8601. */
  at: string;
}

/** Sizes in percent of their container, as react-resizable-panels reports them. */
export interface PanelSizes {
  sidebar: number;
  terminal: number;
  split: number;
  terminalOpen: boolean;
}

/** The editor part as Hearth sends it (the API's editor state plus the IDE's extras). */
export interface EditorPart {
  layout: EditorLayout;
  activeTabIndex: number;
  /** Index into openTabs of the shown tab of the group that does not have focus, or -1. */
  otherActiveTabIndex?: number;
  openTabs: { path: string; viewState: JsonValue; language?: string; group?: GroupIndex }[];
  panels?: PanelSizes;
  /** The file tree's open folders. */
  expandedFolders?: string[];
}

export interface DebugPart {
  breakpoints: Breakpoint[];
  watchExpressions: string[];
}

export interface MemoryPart {
  facts: string[];
  decisions: Decision[];
}

/** The parts of a session the browser owns. Terminal state is the server's to save. */
export interface SessionParts {
  editor: EditorPart;
  debug: DebugPart;
  memory: MemoryPart;
  buffers: Record<string, string>;
}

/** A partial autosave: each part replaces the stored one, buffers patch per path. */
export interface PartsPatch {
  editor?: EditorPart;
  debug?: DebugPart;
  memory?: MemoryPart;
  buffers?: Record<string, string | null>;
}

export type AutosaveStatus = "Saving…" | "Saved" | "Offline";

/** What workspace.get answers, as the IDE reads it. */
export type WorkspaceSession = WorkspaceSessionOutput & {
  terminals?: { id: string; name: string; active: boolean }[];
};
