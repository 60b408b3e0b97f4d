"use client";
import type { SettingValues } from "@hearth/db/settings";
import { FitAddon } from "@xterm/addon-fit";
import { WebLinksAddon } from "@xterm/addon-web-links";
import { type ITerminalOptions, Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef } from "react";
import { useSettings } from "../../settings/settings-context";
import { useIde } from "../ide-context";

type TerminalEvent =
  | {
      type: "ready";
      terminalId: string;
      name: string;
      readOnly: boolean;
      cols?: number;
      rows?: number;
    }
  | { type: "data"; data: string }
  | { type: "exit"; code: number };

/**
 * The one place that owns an xterm instance: attached to one server terminal over the
 * WebSocket (its screen comes first, then live output), keystrokes to terminal.input,
 * size to terminal.resize whenever the panel's size changes. xterm's DOM renderer keeps
 * the screen's text in the page, where assistive technology can read it.
 */
export function TerminalView({ terminalId, visible }: { terminalId: string; visible: boolean }) {
  const { client, store } = useIde();
  const host = useRef<HTMLElement>(null);
  const settings = useSettings();
  // The values now, for an instance made again later (the effect below re-runs).
  const latestSettings = useRef(settings);
  latestSettings.current = settings;
  const termRef = useRef<{ term: Terminal; fit: FitAddon } | null>(null);

  useEffect(() => {
    const readOnly = store.getState().readOnly;
    const workspaceId = store.getState().workspaceId;
    const term = new Terminal({
      cursorBlink: !readOnly,
      disableStdin: readOnly,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace',
      ...terminalOptions(latestSettings.current),
    });
    const fit = new FitAddon();
    termRef.current = { term, fit };
    term.loadAddon(fit);
    term.loadAddon(new WebLinksAddon());
    term.open(host.current!);
    try {
      fit.fit();
    } catch {
      // Not laid out yet (hidden tab): the resize observer fits it once it shows.
    }
    let disposed = false;
    const subscription = client.terminal.attach.subscribe(
      { workspaceId, terminalId, cols: term.cols, rows: term.rows },
      {
        onData(event: TerminalEvent) {
          if (disposed) return;
          if (event.type === "data") {
            term.write(event.data);
          } else if (event.type === "ready") {
            // A watcher's view takes the owner's size, so the screen lines up as theirs.
            if (readOnly && event.cols && event.rows) term.resize(event.cols, event.rows);
          } else if (event.type === "exit") {
            term.write(`\r\n\x1b[2m[process exited with code ${event.code}]\x1b[0m\r\n`);
          }
        },
        onError(error) {
          if (!disposed) term.write(`\r\n\x1b[31m${error.message}\x1b[0m\r\n`);
        },
      },
    );
    // Keystrokes go out in order: one request at a time, with whatever was typed
    // meanwhile joined into the next (parallel requests could arrive out of order).
    let queued = "";
    let sending = false;
    const send = async () => {
      sending = true;
      while (queued && !disposed) {
        const data = queued;
        queued = "";
        await client.terminal.input.mutate({ terminalId, data }).catch(() => {});
      }
      sending = false;
    };
    const input = term.onData((data) => {
      if (readOnly) return;
      queued += data;
      if (!sending) void send();
    });
    const resize = term.onResize(({ cols, rows }) => {
      if (readOnly) return;
      void client.terminal.resize.mutate({ terminalId, cols, rows }).catch(() => {});
    });
    const observer = new ResizeObserver(() => {
      if (readOnly) return;
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
      termRef.current = null;
      observer.disconnect();
      input.dispose();
      resize.dispose();
      subscription.unsubscribe();
      term.dispose();
    };
  }, [client, store, terminalId]);

  // Preferences apply as they change; a new font size means a new number of columns.
  useEffect(() => {
    const current = termRef.current;
    if (!current) return;
    current.term.options = terminalOptions(settings);
    const el = host.current;
    if (el && el.offsetWidth > 0 && el.offsetHeight > 0 && !current.term.options.disableStdin) {
      try {
        current.fit.fit();
      } catch {
        // Measured while detaching.
      }
    }
  }, [settings]);

  return (
    <section ref={host} className="terminal-view" hidden={!visible} aria-label="Terminal screen" />
  );
}

const TERMINAL_THEMES: Record<SettingValues["theme"], ITerminalOptions["theme"]> = {
  dark: { background: "#12141a", foreground: "#e6e8ee", cursor: "#e6e8ee" },
  light: {
    background: "#ffffff",
    foreground: "#1f2328",
    cursor: "#1f2328",
    selectionBackground: "#b6d6fb",
  },
  highContrast: { background: "#000000", foreground: "#ffffff", cursor: "#ffffff" },
};

function terminalOptions(s: SettingValues): ITerminalOptions {
  return {
    fontSize: s.terminalFontSize,
    cursorStyle: s.terminalCursorStyle,
    scrollback: s.terminalScrollback,
    theme: TERMINAL_THEMES[s.theme],
  };
}
