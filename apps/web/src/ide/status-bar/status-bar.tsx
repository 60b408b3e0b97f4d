"use client";
import { languageLabel } from "../editor/language";
import { useIdeState } from "../ide-context";

/** Autosave status (always "Saving…", "Saved" or "Offline"), cursor and language. */
export function StatusBar() {
  const status = useIdeState((s) => s.status);
  const saveError = useIdeState((s) => s.saveError);
  const cursor = useIdeState((s) => s.cursor);
  const language = useIdeState((s) => {
    const path = s.active[s.focusedGroup];
    return s.tabs.find((t) => t.path === path && t.group === s.focusedGroup)?.language ?? null;
  });
  return (
    <footer className="status-bar">
      <span
        data-testid="autosave-status"
        role="status"
        className={`autosave ${status === "Offline" ? "offline" : ""}`}
      >
        {status}
      </span>
      {saveError ? (
        <span role="alert" className="status-error">
          {saveError}
        </span>
      ) : null}
      <span className="spacer" />
      {cursor ? (
        <span title="Cursor position">
          Ln {cursor.line}, Col {cursor.column}
        </span>
      ) : null}
      {language ? <span title="Language">{languageLabel(language)}</span> : null}
    </footer>
  );
}
