import { copyPathFor } from "../autosave/merge";
import { errorCode } from "../file-tree/files";
import type { IdeServices } from "../ide-context";

/**
 * Ctrl+S: writes the file's unsaved text with the mtime it was read at. When the file
 * changed on disk meanwhile the write is refused (CONFLICT) and the person chooses:
 * overwrite, reload from disk, or compare first.
 */
export async function saveFile(ide: IdeServices, path: string): Promise<void> {
  const { store, files } = ide;
  const state = store.getState();
  if (state.readOnly) return;
  const text = state.buffers[path];
  if (text === undefined) return;
  try {
    const readAt = state.files[path]?.mtimeMs ?? state.unreadable[path]?.mtimeMs;
    const written = await files.write(path, text, readAt);
    store.getState().fileWritten(path, { content: text, mtimeMs: written.mtimeMs });
  } catch (error) {
    if (errorCode(error) === "CONFLICT") {
      const disk = await files.read(path);
      store.getState().setSaveConflict({
        path,
        diskContent: disk?.content ?? "",
        diskMtimeMs: disk?.mtimeMs ?? 0,
      });
      return;
    }
    store.getState().notify(`${path} was not saved: ${messageOf(error)}`);
  }
}

/** The save conflict's "Overwrite": this tab's text replaces what is on disk. */
export async function overwriteFile(ide: IdeServices): Promise<void> {
  const conflict = ide.store.getState().saveConflict;
  if (!conflict) return;
  const text = ide.store.getState().buffers[conflict.path];
  if (text === undefined) {
    ide.store.getState().setSaveConflict(null);
    return;
  }
  try {
    const written = await ide.files.write(conflict.path, text, conflict.diskMtimeMs);
    ide.store.getState().fileWritten(conflict.path, { content: text, mtimeMs: written.mtimeMs });
  } catch (error) {
    if (errorCode(error) === "CONFLICT") {
      // Changed again meanwhile: ask again with what is there now.
      await saveFile(ide, conflict.path);
      return;
    }
    ide.store.getState().notify(`${conflict.path} was not saved: ${messageOf(error)}`);
  }
}

/**
 * The save conflict's "Reload from disk": the editor shows the disk's text; this tab's
 * text is not thrown away but kept as a recoverable copy, and the person is told where.
 */
export function reloadFromDisk(ide: IdeServices): void {
  const state = ide.store.getState();
  const conflict = state.saveConflict;
  if (!conflict) return;
  const mine = state.buffers[conflict.path];
  const buffers = { ...state.buffers };
  delete buffers[conflict.path];
  let copyPath: string | null = null;
  if (mine !== undefined && mine !== conflict.diskContent) {
    copyPath = copyPathFor(conflict.path, new Date(), (p) => p in buffers);
    buffers[copyPath] = mine;
  }
  const tabs = copyPath
    ? [
        ...state.tabs,
        {
          path: copyPath,
          group: 0 as const,
          language: state.tabs.find((t) => t.path === conflict.path)?.language ?? "plaintext",
          viewState: null,
        },
      ]
    : state.tabs;
  state.replace({
    buffers,
    tabs,
    files: {
      ...state.files,
      [conflict.path]: { content: conflict.diskContent, mtimeMs: conflict.diskMtimeMs },
    },
    saveConflict: null,
  });
  if (copyPath) state.notify(`Your text of ${conflict.path} is kept in ${copyPath}.`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
