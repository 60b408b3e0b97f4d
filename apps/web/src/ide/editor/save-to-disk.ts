"use client";
import type { SettingValues } from "@hearth/db/settings";
import { useEffect } from "react";
import type { IdeServices } from "../ide-context";
import { saveFile } from "./save-file";

/**
 * "Save files to disk automatically": besides the session's autosave (which keeps unsaved
 * text on the server), modified files are written to disk as Ctrl+S writes them — with
 * the mtime they were read at, so a file changed on disk meanwhile still asks first —
 * `afterDelay` once typing has paused for the autosave delay, `onFocusChange` when the
 * focus leaves an editor or the window. Only files read from disk are written: a kept
 * conflict copy or a binary file never is.
 */
export function useSaveFilesToDisk(
  ide: IdeServices,
  mode: SettingValues["saveFilesToDisk"],
  delayMs: number,
): void {
  useEffect(() => {
    const { store } = ide;
    if (mode === "off" || store.getState().readOnly) return;
    const saving = new Set<string>();
    const saveAll = () => {
      const s = store.getState();
      if (s.saveConflict) return;
      for (const path of Object.keys(s.buffers)) {
        if (!(path in s.files) || saving.has(path)) continue;
        saving.add(path);
        void saveFile(ide, path).finally(() => saving.delete(path));
      }
    };
    if (mode === "afterDelay") {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const unsubscribe = store.subscribe((s, prev) => {
        if (s.buffers === prev.buffers) return;
        clearTimeout(timer);
        timer = setTimeout(saveAll, delayMs);
      });
      return () => {
        unsubscribe();
        clearTimeout(timer);
      };
    }
    const leftEditor = (e: FocusEvent) => {
      const from = (e.target as Element | null)?.closest?.(".monaco-editor");
      const to = (e.relatedTarget as Element | null)?.closest?.(".monaco-editor");
      if (from && from !== to) saveAll();
    };
    window.addEventListener("blur", saveAll);
    document.addEventListener("focusout", leftEditor);
    return () => {
      window.removeEventListener("blur", saveAll);
      document.removeEventListener("focusout", leftEditor);
    };
  }, [ide, mode, delayMs]);
}
