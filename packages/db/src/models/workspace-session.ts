import { z } from "zod";
import { ZIsoDate, ZRecordId } from "./common";

/** Workspace-relative file paths as they appear in tabs, buffers and breakpoints. */
export const ZFilePath = z.string().min(1).max(1024);

/** The file tree's open folders a session keeps at most. */
export const MAX_EXPANDED_FOLDERS = 1000;

export const ZEditorLayout = z.enum(["single", "split-horizontal", "split-vertical"]);

export const ZOpenTab = z.object({
  path: ZFilePath,
  /** Monaco's saveViewState(): cursor, selections, scroll, folding. */
  viewState: z.json(),
  language: z.string().max(100).optional(),
  /** The editor group showing the tab in a split layout: 0 (first) or 1 (second). */
  group: z.union([z.literal(0), z.literal(1)]).optional(),
});
export type OpenTab = z.infer<typeof ZOpenTab>;

/** The IDE's panel sizes, in percent of their container. */
export const ZPanelSizes = z.object({
  sidebar: z.number().min(0).max(100),
  terminal: z.number().min(0).max(100),
  split: z.number().min(0).max(100),
  terminalOpen: z.boolean(),
});
export type PanelSizes = z.infer<typeof ZPanelSizes>;

export const ZEditorState = z.object({
  layout: ZEditorLayout,
  /** The focused group's shown tab (index into openTabs), or -1. */
  activeTabIndex: z.number().int().min(-1),
  /** The other group's shown tab in a split layout, or -1. */
  otherActiveTabIndex: z.number().int().min(-1).optional(),
  openTabs: z.array(ZOpenTab),
  panels: ZPanelSizes.optional(),
  /** The file tree's open folders (workspace-relative). */
  expandedFolders: z.array(ZFilePath).max(MAX_EXPANDED_FOLDERS).optional(),
});
export type EditorState = z.infer<typeof ZEditorState>;

export const ZTerminalState = z.object({
  cwd: z.string().max(4096),
  /** The last 100 commands. */
  commandHistory: z.array(z.string()).max(100),
  environmentVars: z.record(z.string(), z.string()),
  /** xterm's serialize addon output; stored in chunks. */
  scrollback: z.string().optional(),
});
export type TerminalState = z.infer<typeof ZTerminalState>;

export const ZBreakpoint = z.object({
  path: ZFilePath,
  line: z.number().int().min(1),
  condition: z.string().optional(),
  enabled: z.boolean(),
});
export type Breakpoint = z.infer<typeof ZBreakpoint>;

export const ZDebugState = z.object({
  breakpoints: z.array(ZBreakpoint),
  watchExpressions: z.array(z.string()),
});
export type DebugState = z.infer<typeof ZDebugState>;

export const ZMemoryState = z.object({
  facts: z.array(z.string()),
  decisions: z.array(z.object({ text: z.string(), at: ZIsoDate })),
});
export type MemoryState = z.infer<typeof ZMemoryState>;

/** Unsaved text per file path. */
export const ZBuffers = z.record(ZFilePath, z.string());
export type Buffers = z.infer<typeof ZBuffers>;

/** A buffers update: each path is replaced, null drops it, absent paths are untouched. */
export const ZBuffersPatch = z.record(ZFilePath, z.string().nullable());
export type BuffersPatch = z.infer<typeof ZBuffersPatch>;

export const ZTag = z.string().min(1).max(64);

export const ZWorkspaceSessionMeta = z.object({
  id: ZRecordId,
  tenantId: ZRecordId,
  userId: ZRecordId,
  name: z.string().min(1).max(200),
  /** Folder name under the tenant's workspace root. */
  workspacePath: z.string().min(1).max(1024),
  tags: z.array(ZTag).max(32),
  parentSessionId: ZRecordId.nullable(),
  /** Bumped by every save; a save must name the rev it was based on. */
  rev: z.number().int().min(0),
  createdAt: ZIsoDate,
  updatedAt: ZIsoDate,
  /** Last autosave, kept to the second: it orders "most recently active" listings. */
  lastActiveAt: ZIsoDate,
});
export type WorkspaceSessionMeta = z.infer<typeof ZWorkspaceSessionMeta>;

export const ZWorkspaceSession = ZWorkspaceSessionMeta.extend({
  editor: ZEditorState,
  terminal: ZTerminalState,
  debug: ZDebugState,
  memory: ZMemoryState,
  buffers: ZBuffers,
});
export type WorkspaceSession = z.infer<typeof ZWorkspaceSession>;

/** The state parts of a session, each optional: what an autosave sends. */
export const ZWorkspaceStatePatch = z.object({
  editor: ZEditorState.optional(),
  terminal: ZTerminalState.optional(),
  debug: ZDebugState.optional(),
  memory: ZMemoryState.optional(),
  buffers: ZBuffersPatch.optional(),
});
export type WorkspaceStatePatch = z.infer<typeof ZWorkspaceStatePatch>;

export function defaultEditorState(): EditorState {
  return { layout: "single", activeTabIndex: -1, openTabs: [] };
}

export function defaultTerminalState(): TerminalState {
  return { cwd: ".", commandHistory: [], environmentVars: {} };
}

export function defaultDebugState(): DebugState {
  return { breakpoints: [], watchExpressions: [] };
}

export function defaultMemoryState(): MemoryState {
  return { facts: [], decisions: [] };
}
