"use client";
import { useEffect, useRef, useState } from "react";
import { useIde, useIdeState } from "../ide-context";
import { monaco } from "./monaco";
import { overwriteFile, reloadFromDisk } from "./save-file";

/** Ctrl+S found the file changed on disk: overwrite, reload from disk, or compare. */
export function SaveConflictDialog() {
  const ide = useIde();
  const conflict = useIdeState((s) => s.saveConflict);
  const mine = useIdeState((s) => (conflict ? s.buffers[conflict.path] : undefined));
  const [comparing, setComparing] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    if (conflict && !dialog.current?.open) dialog.current?.showModal();
    if (!conflict) {
      dialog.current?.close();
      setComparing(false);
    }
  }, [conflict]);

  if (!conflict) return null;
  return (
    <dialog ref={dialog} className="dialog wide" aria-labelledby="save-conflict-title">
      <h2 id="save-conflict-title">{conflict.path} changed on disk</h2>
      <p>
        The file was changed on disk (in the terminal, or another tab) since it was opened here.
        Nothing is lost whichever you choose: reloading keeps your text as a copy.
      </p>
      {comparing ? (
        <DiffView disk={conflict.diskContent} mine={mine ?? ""} path={conflict.path} />
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={() => void overwriteFile(ide)}>
          Overwrite
        </button>
        <button type="button" onClick={() => reloadFromDisk(ide)}>
          Reload from disk
        </button>
        <button type="button" onClick={() => setComparing((c) => !c)} aria-pressed={comparing}>
          Compare
        </button>
        <button type="button" onClick={() => ide.store.getState().setSaveConflict(null)}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

function DiffView({ disk, mine, path }: { disk: string; mine: string; path: string }) {
  const host = useRef<HTMLElement>(null);
  useEffect(() => {
    const editor = monaco.editor.createDiffEditor(host.current!, {
      readOnly: true,
      theme: "vs-dark",
      automaticLayout: true,
      minimap: { enabled: false },
    });
    const original = monaco.editor.createModel(disk, undefined, monaco.Uri.parse(`disk:/${path}`));
    const modified = monaco.editor.createModel(mine, undefined, monaco.Uri.parse(`mine:/${path}`));
    editor.setModel({ original, modified });
    return () => {
      editor.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [disk, mine, path]);
  return <section className="diff-view" ref={host} aria-label="On disk (left) and yours (right)" />;
}
