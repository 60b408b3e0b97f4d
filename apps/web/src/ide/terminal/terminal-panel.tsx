"use client";
import { useCallback, useEffect, useState } from "react";
import { useIde, useIdeState } from "../ide-context";
import { TerminalView } from "./terminal-view";

/**
 * The terminal panel: a tab per server terminal (new, kill), the active one shown.
 * Terminals live on the server; the list comes from terminal.list and their screens
 * from attaching.
 */
export function TerminalPanel() {
  const { client, store } = useIde();
  const terminals = useIdeState((s) => s.terminals);
  const active = useIdeState((s) => s.activeTerminal);
  const readOnly = useIdeState((s) => s.readOnly);
  const [error, setError] = useState<string | null>(null);
  const workspaceId = store.getState().workspaceId;

  const [listed, setListed] = useState(false);

  // The terminals workspace.get named show at once; the live list follows, and an owner's
  // session without any gets its first terminal.
  const refresh = useCallback(async () => {
    try {
      const list = await client.terminal.list.query({ workspaceId });
      if (list.length === 0 && !store.getState().readOnly) {
        const created = await client.terminal.create.mutate({ workspaceId, cols: 80, rows: 24 });
        list.push(created);
      }
      const current = list.find((t) => t.active)?.id ?? null;
      store.getState().setTerminals(
        list.map((t) => ({ id: t.id, name: t.name })),
        store.getState().activeTerminal ?? current,
      );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setListed(true);
    }
  }, [client, store, workspaceId]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  async function create() {
    setError(null);
    try {
      const created = await client.terminal.create.mutate({ workspaceId, cols: 80, rows: 24 });
      store
        .getState()
        .setTerminals(
          [...store.getState().terminals, { id: created.id, name: created.name }],
          created.id,
        );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  async function kill(id: string) {
    setError(null);
    try {
      await client.terminal.kill.mutate({ terminalId: id });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
    store.getState().setTerminals(store.getState().terminals.filter((t) => t.id !== id));
  }

  return (
    <section className="terminal-panel" aria-label="Terminal">
      <div className="panel-header">
        <div className="terminal-tabs" role="tablist" aria-label="Terminals">
          {terminals.map((t) => (
            <span key={t.id} className={`terminal-tab${t.id === active ? " selected" : ""}`}>
              <button
                type="button"
                role="tab"
                aria-selected={t.id === active}
                aria-keyshortcuts={readOnly ? undefined : "Delete"}
                onClick={() => store.getState().setActiveTerminal(t.id)}
                onKeyDown={(e) => {
                  if (e.key === "Delete" && !readOnly) void kill(t.id);
                }}
              >
                {t.name}
              </button>
              {readOnly ? null : (
                // A tab list holds tabs only: the pointer's way to kill; the keyboard's
                // is Delete on the tab.
                <button
                  type="button"
                  aria-hidden="true"
                  tabIndex={-1}
                  title={`Kill ${t.name} (Delete)`}
                  onClick={() => void kill(t.id)}
                >
                  ×
                </button>
              )}
            </span>
          ))}
        </div>
        {readOnly ? (
          <span className="hint">Watching (read-only)</span>
        ) : (
          <button type="button" onClick={() => void create()}>
            New terminal
          </button>
        )}
      </div>
      {error ? (
        <p role="alert" className="panel-error">
          {error}
        </p>
      ) : null}
      <div className="terminal-screens" data-testid="terminal">
        {terminals.map((t) => (
          <TerminalView key={t.id} terminalId={t.id} visible={t.id === active} />
        ))}
        {listed && terminals.length === 0 ? (
          <p className="hint terminal-none">
            {readOnly ? "No terminal of this session is running now." : "No terminal open."}
          </p>
        ) : null}
      </div>
    </section>
  );
}
