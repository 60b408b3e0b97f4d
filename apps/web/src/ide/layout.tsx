"use client";
import { lazy, Suspense, useEffect, useState } from "react";
import { flushSync } from "react-dom";
import { Group, Panel, Separator } from "react-resizable-panels";
import { useSettings } from "../settings/settings-context";
import { EditorArea } from "./editor/editor-area";
import { useSaveFilesToDisk } from "./editor/save-to-disk";
import { FileTree } from "./file-tree/file-tree";
import { useIde, useIdeState } from "./ide-context";
import { NotesPanel } from "./panels/notes-panel";
import { ShareDialog } from "./panels/share-dialog";
import { WatchPanel } from "./panels/watch-panel";
import { QuickOpen } from "./quick-open/quick-open";
import { StatusBar } from "./status-bar/status-bar";
import { TerminalPanel } from "./terminal/terminal-panel";
import "./ide.css";

const SaveConflictDialog = lazy(() =>
  import("./editor/save-conflict-dialog").then((m) => ({ default: m.SaveConflictDialog })),
);

/** The IDE's parts in place: files and panels, editors over the terminal, status bar. */
export function IdeLayout({ name }: { name: string }) {
  const ide = useIde();
  const { store, ownerName } = ide;
  const readOnly = useIdeState((s) => s.readOnly);
  const settings = useSettings();
  useEffect(() => {
    ide.autosaver?.setDebounceMs(settings.autosaveDelayMs);
  }, [ide, settings.autosaveDelayMs]);
  useSaveFilesToDisk(ide, settings.saveFilesToDisk, settings.autosaveDelayMs);
  const panels = useIdeState((s) => s.panels);
  const [quickOpen, setQuickOpen] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [side, setSide] = useState<"watch" | "notes">("watch");

  useEffect(() => {
    // At once, within the key's own event: what is typed right after Ctrl+P goes into
    // quick open's field, never into the editor that had the focus.
    const openQuickOpen = () => flushSync(() => setQuickOpen(true));
    const onKey = (e: KeyboardEvent) => {
      // Monaco handles its own copies of these bindings (and prevents the default).
      if (e.defaultPrevented || !(e.ctrlKey || e.metaKey) || e.altKey) return;
      if (e.key === "p" || e.key === "P") {
        e.preventDefault();
        openQuickOpen();
      } else if (e.key === "`" || e.code === "Backquote") {
        e.preventDefault();
        store.getState().toggleTerminalPanel();
      }
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("hearth:quick-open", openQuickOpen);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("hearth:quick-open", openQuickOpen);
    };
  }, [store]);

  return (
    <div className="ide">
      <header className="ide-header">
        <a href="/" className="brand">
          Hearth
        </a>
        <h1>{name}</h1>
        {readOnly ? (
          <p className="read-only-banner" role="note">
            {ownerName ? `This is ${ownerName}'s session` : "This session was shared with you"},
            shared with you read-only: you can watch it, not change it.
          </p>
        ) : (
          <button type="button" onClick={() => setSharing(true)}>
            Share
          </button>
        )}
        <button type="button" onClick={() => setQuickOpen(true)} title="Quick open (Ctrl+P)">
          Go to file
        </button>
        <button
          type="button"
          aria-pressed={panels.terminalOpen}
          onClick={() => store.getState().toggleTerminalPanel()}
          title="Toggle the terminal (Ctrl+`)"
        >
          Terminal
        </button>
      </header>
      <Notices />
      <Group
        orientation="horizontal"
        className="ide-main"
        defaultLayout={{ sidebar: panels.sidebar, work: 100 - panels.sidebar }}
        onLayoutChanged={(layout) => {
          const size = layout.sidebar;
          if (size !== undefined) store.getState().setPanels({ sidebar: Math.round(size) });
        }}
      >
        <Panel id="sidebar" minSize="10">
          <aside className="sidebar">
            <FileTree />
            <div className="side-tabs" role="tablist" aria-label="Side panels">
              <button
                type="button"
                role="tab"
                aria-selected={side === "watch"}
                onClick={() => setSide("watch")}
              >
                Watch
              </button>
              <button
                type="button"
                role="tab"
                aria-selected={side === "notes"}
                onClick={() => setSide("notes")}
              >
                Notes
              </button>
            </div>
            {side === "watch" ? <WatchPanel /> : <NotesPanel />}
          </aside>
        </Panel>
        <Separator className="separator" />
        <Panel id="work">
          <Group
            key={panels.terminalOpen ? "with-terminal" : "without-terminal"}
            orientation="vertical"
            defaultLayout={
              panels.terminalOpen
                ? { editors: 100 - panels.terminal, "terminal-panel": panels.terminal }
                : { editors: 100 }
            }
            onLayoutChanged={(layout) => {
              const size = layout["terminal-panel"];
              if (size !== undefined) store.getState().setPanels({ terminal: Math.round(size) });
            }}
          >
            <Panel id="editors" minSize="15">
              <EditorArea />
            </Panel>
            {panels.terminalOpen ? (
              <>
                <Separator className="separator" />
                <Panel id="terminal-panel" minSize="10">
                  <TerminalPanel />
                </Panel>
              </>
            ) : null}
          </Group>
        </Panel>
      </Group>
      <StatusBar />
      {quickOpen ? <QuickOpen onClose={() => setQuickOpen(false)} /> : null}
      {sharing ? <ShareDialog onClose={() => setSharing(false)} /> : null}
      <Suspense fallback={null}>
        <SaveConflictDialog />
      </Suspense>
    </div>
  );
}

function Notices() {
  const { store } = useIde();
  const notices = useIdeState((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <div className="notices" role="alert">
      {notices.map((n) => (
        <p key={n.id}>
          {n.text}{" "}
          <button type="button" onClick={() => store.getState().dismissNotice(n.id)}>
            Dismiss
          </button>
        </p>
      ))}
    </div>
  );
}
