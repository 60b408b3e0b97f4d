// @hearth/runtime: workspace files confined to a root, and terminals on node-pty.

export { MAX_NAME_BYTES, MAX_PATH_BYTES, parseRelativePath } from "./files/confine";
export { languageOf } from "./files/content";
export { copyFolder, DEFAULT_MAX_COPY_BYTES, folderBytes } from "./files/copy-folder";
export { FileError, type FileErrorKind } from "./files/errors";
export type { FileSearchHit, SearchIndexOptions } from "./files/search-index";
export {
  DEFAULT_MAX_FILE_BYTES,
  type FileContent,
  type FileEntry,
  type FileKind,
  type FileStat,
  WorkspaceFiles,
  type WorkspaceFilesOptions,
  type WriteResult,
} from "./files/workspace-files";
export * from "./terminals/manager";
export * from "./terminals/sandbox";
export {
  HIGH_WATERMARK,
  LOW_WATERMARK,
  MAX_HISTORY,
  SAVED_SCROLLBACK_LINES,
  SCROLLBACK_LINES,
  type TerminalClient,
  type TerminalEvent,
  type TerminalState,
} from "./terminals/terminal";
