import type { TerminalState, WorkspaceTerminals } from "@hearth/db";

/** A terminal of a session as workspace.get lists it (its state is the active one's). */
export interface TerminalSummary {
  id: string;
  name: string;
  cwd: string;
  active: boolean;
}

/**
 * workspace.get's view of the terminals: `terminal` stays {cwd, commandHistory,
 * environmentVars, scrollback} — the active server terminal's when the server keeps any,
 * else what the session's terminal part holds — and `terminals` lists them all.
 */
export function terminalsView(
  part: TerminalState,
  saved: WorkspaceTerminals | null,
): { terminal: TerminalState; terminals: TerminalSummary[] } {
  const list = saved?.terminals ?? [];
  const active = list.find((t) => t.id === saved?.activeId) ?? list.at(-1);
  const terminal: TerminalState = active
    ? {
        cwd: active.cwd,
        commandHistory: active.commandHistory,
        environmentVars: active.environmentVars,
        ...(active.scrollback === undefined ? {} : { scrollback: active.scrollback }),
      }
    : part;
  return {
    terminal,
    terminals: list.map((t) => ({ id: t.id, name: t.name, cwd: t.cwd, active: t === active })),
  };
}
