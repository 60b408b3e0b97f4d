"use client";
import { FitAddon } from "@xterm/addon-fit";
import { WebLinksAddon } from "@xterm/addon-web-links";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef } from "react";
import { useIde } from "../ide-context";

type TerminalEvent =
  | { type: "ready"; terminalId: string; name: string; readOnly: boolean }
  | { type: "data"; data: string }
  | { type: "exit"; code: number };

/**
 * The one place that owns an xterm instance: attached to one server terminal over the
 * WebSocket (its screen comes first, then live output), keystrokes to terminal.input,
 * size to terminal.resize whenever the panel's size changes. xterm's DOM renderer keeps
 * the screen's text in the page, where assistive technology can read it.
 */
export function TerminalView({
  terminalId,
  visible,
  onReady,
}: {
  terminalId: string | null;
  visible: boolean;
  onReady?: (info: { terminalId: string; name: string }) => void;
}) {
  const { client, store } = useIde();
  const host = useRef<HTMLElement>(null);
  const fitRef = useRef<FitAddon | null>(null);
  const readyRef = useRef(onReady);
  readyRef.current = onReady;

  useEffect(() => {
    const readOnly = store.getState().readOnly;
    const workspaceId = store.getState().workspaceId;
    const term = new Terminal({
      cursorBlink: !readOnly,
      disableStdin: readOnly,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace',
      fontSize: 13,
      scrollback: 5000,
      theme: { background: "#12141a", foreground: "#e6e8ee" },
    });
    const fit = new FitAddon();
    fitRef.current = fit;
    term.loadAddon(fit);
    term.loadAddon(new WebLinksAddon());
    term.open(host.current!);
    try {
      fit.fit();
    } catch {
      // Not laid out yet (hidden tab): the resize observer fits it once it shows.
    }
    let disposed = false;
    let id = terminalId;
    const subscription = client.terminal.attach.subscribe(
      terminalId === null
        ? { workspaceId, cols: term.cols, rows: term.rows }
        : { workspaceId, terminalId, cols: term.cols, rows: term.rows },
      {
        onData(event: TerminalEvent) {
          if (disposed) return;
          if (event.type === "ready") {
            id = event.terminalId;
            readyRef.current?.({ terminalId: event.terminalId, name: event.name });
          } else if (event.type === "data") {
            term.write(event.data);
          } else {
            term.write(`\r\n\x1b[2m[process exited with code ${event.code}]\x1b[0m\r\n`);
          }
        },
        onError(error) {
          if (!disposed) term.write(`\r\n\x1b[31m${error.message}\x1b[0m\r\n`);
        },
      },
    );
    const input = term.onData((data) => {
      if (readOnly || !id) return;
      void client.terminal.input.mutate({ terminalId: id, data }).catch(() => {});
    });
    const resize = term.onResize(({ cols, rows }) => {
      if (readOnly || !id) return;
      void client.terminal.resize.mutate({ terminalId: id, cols, rows }).catch(() => {});
    });
    const observer = new ResizeObserver(() => {
      if (host.current && host.current.offsetWidth > 0 && host.current.offsetHeight > 0) {
        try {
          fit.fit();
        } catch {
          // Measured while detaching.
        }
      }
    });
    observer.observe(host.current!);
    return () => {
      disposed = true;
      observer.disconnect();
      input.dispose();
      resize.dispose();
      subscription.unsubscribe();
      term.dispose();
      fitRef.current = null;
    };
  }, [client, store, terminalId]);

  return (
    <section ref={host} className="terminal-view" hidden={!visible} aria-label="Terminal screen" />
  );
}
