/**
 * Shell integration without touching the user's files: bash starts with an rcfile of
 * Hearth's own (`bash --rcfile <ours> -i`) that first reads the files bash would have read,
 * then reports, at every prompt, through escape sequences a terminal does not display:
 *
 * - `OSC 7 ; file://<host><cwd>` — the working directory (as most terminals understand it);
 * - `OSC 633 ; E ; <command line, base64>` and `OSC 633 ; D ; <exit code>` — the command
 *   that just ran and how it ended, once per command;
 * - `OSC 633 ; P ; HearthEnv=<env -0, base64>` — the exported variables, when they changed;
 * - `OSC 633 ; A`, `B` (prompt start / end) and `C` (command output starts), VS Code's marks.
 */

/** Quotes a string for bash: the whole of it, whatever it holds. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface RcfileOptions {
  /** Commands to put into bash's history, oldest first (Up-arrow recalls the last). */
  history: readonly string[];
}

/** The rcfile of one terminal. */
export function bashRcfile(opts: RcfileOptions): string {
  const seeded = opts.history.map((cmd) => `builtin history -s ${shellQuote(cmd)}`).join("\n");
  return `# Hearth shell integration (generated for this terminal; your own files are read first).
[ -r /etc/bash.bashrc ] && . /etc/bash.bashrc
[ -r "$HOME/.bashrc" ] && . "$HOME/.bashrc"
# Hearth keeps this terminal's history itself and seeds it on revival.
unset HISTFILE
HISTCONTROL=
builtin history -c
${seeded}
__hearth_last_cmd=$(HISTTIMEFORMAT= builtin history 1)
__hearth_last_env=
__hearth_prompt() {
  local status=$? line env
  line=$(HISTTIMEFORMAT= builtin history 1)
  if [ -n "$line" ] && [ "$line" != "$__hearth_last_cmd" ]; then
    __hearth_last_cmd=$line
    if [[ $line =~ ^[[:space:]]*[0-9]+[*]?[[:space:]]+(.*)$ ]]; then
      printf '\\033]633;E;%s\\007\\033]633;D;%s\\007' "$(printf '%s' "\${BASH_REMATCH[1]}" | base64 -w0)" "$status"
    fi
  fi
  printf '\\033]7;file://%s%s\\007' "\${HOSTNAME:-localhost}" "$PWD"
  env=$(builtin declare -px)
  if [ "$env" != "$__hearth_last_env" ]; then
    __hearth_last_env=$env
    printf '\\033]633;P;HearthEnv=%s\\007' "$(env -0 | base64 -w0)"
  fi
  printf '\\033]633;A\\007'
  return $status
}
PROMPT_COMMAND="__hearth_prompt\${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
PS1="\${PS1:-\\\\w \\\\$ }\\[\\033]633;B\\007\\]"
PS0="\${PS0}\\033]633;C\\007"
`;
}

/**
 * Variables bash or the sandbox sets on its own: not something the user exported, so not
 * saved or restored.
 */
const SHELL_OWN = new Set(["PWD", "OLDPWD", "SHLVL", "_", "LINES", "COLUMNS", "HOSTNAME"]);

/** Decodes `env -0` output (base64) into name → value. */
export function decodeEnvReport(base64: string): Map<string, string> {
  const out = new Map<string, string>();
  const text = Buffer.from(base64, "base64").toString("utf8");
  for (const entry of text.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

/**
 * The variables the user exported: those whose value differs from what the terminal
 * started with (`base`), minus bash's own.
 */
export function exportedVars(
  reported: ReadonlyMap<string, string>,
  base: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of reported) {
    if (SHELL_OWN.has(name) || base[name] === value) continue;
    out[name] = value;
  }
  return out;
}

/** The path of an OSC 7 `file://host/path` report, or undefined if it is not one. */
export function cwdOfReport(report: string): string | undefined {
  const m = /^file:\/\/[^/]*(\/.*)$/.exec(report);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}
