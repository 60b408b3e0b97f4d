"use client";
import { lazy, Suspense } from "react";
import { useIde, useIdeState } from "../ide-context";
import type { UnreadableFile } from "../state/ide-store";
import type { GroupIndex } from "../state/types";

// Monaco is its own chunk, loaded beside the rest of the IDE rather than before it.
const CodeEditor = lazy(() => import("./code-editor").then((m) => ({ default: m.CodeEditor })));

function fileName(path: string): string {
  return path.split("/").pop() ?? path;
}

function unreadableSentence(name: string, file: UnreadableFile): string {
  return file.reason === "binary"
    ? `${name} is a binary file, which the editor does not open. Use the terminal to work with it.`
    : `${name} is ${formatSize(file.size)}, more than the editor opens. Use the terminal to work with it.`;
}

function formatSize(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/** One editor group: its tab strip (a dot marks unsaved text) above its editor. */
export function EditorGroup({ group }: { group: GroupIndex }) {
  const { store } = useIde();
  const tabs = useIdeState((s) => s.tabs);
  const active = useIdeState((s) => s.active[group]);
  const buffers = useIdeState((s) => s.buffers);
  const focused = useIdeState((s) => s.focusedGroup === group);
  const unreadable = useIdeState((s) =>
    active !== null && !(active in s.buffers) ? s.unreadable[active] : undefined,
  );
  const mine = tabs.filter((t) => t.group === group);
  const label = group === 0 ? "Editor group 1" : "Editor group 2";
  return (
    <section
      className={`editor-group${focused ? " focused" : ""}`}
      aria-label={label}
      onMouseDown={() => store.getState().focusGroup(group)}
    >
      <div className="tab-strip" role="tablist" aria-label={`${label} tabs`}>
        {mine.map((tab) => {
          const modified = tab.path in buffers;
          const selected = tab.path === active;
          return (
            <div
              key={tab.path}
              className={`editor-tab${selected ? " selected" : ""}`}
              title={tab.path}
            >
              <button
                type="button"
                role="tab"
                aria-selected={selected}
                aria-keyshortcuts="Delete"
                className="editor-tab-name"
                onClick={() => store.getState().setActive(tab.path, group)}
                onKeyDown={(e) => {
                  if (e.key === "Delete") store.getState().closeTab(tab.path, group);
                }}
              >
                {fileName(tab.path)}
                {modified ? (
                  <span className="modified-marker" title="Unsaved changes">
                    <span aria-hidden="true">●</span>
                    <span className="visually-hidden"> (modified)</span>
                  </span>
                ) : null}
              </button>
              {/* A tab list holds tabs only: the pointer's way to close; the keyboard's is
                  Delete on the tab, or Ctrl+W in the editor. */}
              <button
                type="button"
                className="editor-tab-close"
                aria-hidden="true"
                tabIndex={-1}
                title={`Close ${fileName(tab.path)} (Ctrl+W)`}
                onClick={() => store.getState().closeTab(tab.path, group)}
              >
                ×
              </button>
            </div>
          );
        })}
      </div>
      <div className="editor-body">
        <Suspense fallback={null}>
          <CodeEditor group={group} />
        </Suspense>
        {active === null ? (
          <p className="editor-empty">Open a file from the tree or with Ctrl+P.</p>
        ) : unreadable ? (
          <p className="editor-empty" role="status">
            {unreadableSentence(fileName(active), unreadable)}
          </p>
        ) : null}
      </div>
    </section>
  );
}
