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

  const refresh = useCallback(async () => {
    try {
      const list = await client.terminal.list.query({ workspaceId });
      const current = list.find((t) => t.active)?.id ?? null;
      store.getState().setTerminals(
        list.map((t) => ({ id: t.id, name: t.name })),
        store.getState().activeTerminal ?? current,
      );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
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
                onClick={() => store.getState().setActiveTerminal(t.id)}
              >
                {t.name}
              </button>
              {readOnly ? null : (
                <button type="button" aria-label={`Kill ${t.name}`} onClick={() => void kill(t.id)}>
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
        {terminals.length === 0 && !readOnly ? (
          // No terminal yet: attaching without an id starts the session's first one.
          <TerminalView terminalId={null} visible onReady={() => void refresh()} />
        ) : (
          terminals.map((t) => (
            <TerminalView key={t.id} terminalId={t.id} visible={t.id === active} />
          ))
        )}
      </div>
    </section>
  );
}
