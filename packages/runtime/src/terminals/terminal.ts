import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as serializeModule from "@xterm/addon-serialize";
import * as headlessModule from "@xterm/headless";
import * as pty from "node-pty";
import { reportFolderActivity } from "../files/folder-activity";
import {
  SANDBOX_SHELL_DIR,
  SANDBOX_WORKSPACE,
  type SandboxConfig,
  sandboxAccountFiles,
  sandboxCommand,
} from "./sandbox";
import { bashRcfile, cwdOfReport, decodeEnvReport, exportedVars } from "./shell-integration";

// Both packages are CommonJS: under Node's ESM loader their exports are on `default`.
function commonJs<T extends object>(ns: T): T {
  return (ns as T & { default?: T }).default ?? ns;
}
const { Terminal: HeadlessTerminal } = commonJs(headlessModule);
const { SerializeAddon } = commonJs(serializeModule);

/** What the server keeps of a terminal, saved and revived. */
export interface TerminalState {
  /** Relative to the workspace folder ("." is its root); absolute when outside it. */
  cwd: string;
  /** The last 100 command lines, oldest first. */
  commandHistory: string[];
  /** Variables the user exported in this terminal. */
  environmentVars: Record<string, string>;
  /** The screen and scrollback, as xterm's serialize addon writes them. */
  scrollback?: string;
}

export type TerminalEvent =
  | {
      type: "ready";
      terminalId: string;
      name: string;
      readOnly: boolean;
      /** The terminal's size now: a read-only viewer sizes its view to match. */
      cols: number;
      rows: number;
    }
  | { type: "data"; data: string }
  | { type: "exit"; code: number };

export const MAX_HISTORY = 100;
/** Lines of scrollback the mirror keeps (and a save holds) besides the screen. */
export const SCROLLBACK_LINES = 1000;
/**
 * Lines of scrollback a save holds. Serializing is synchronous and costs about as much per
 * line as parsing; a save while output flows must not hold the server for long.
 */
export const SAVED_SCROLLBACK_LINES = 200;
/** Flow control: output waiting for the mirror or a client above this pauses the PTY... */
export const HIGH_WATERMARK = 128 * 1024;
/** ...and below this resumes it. */
export const LOW_WATERMARK = 32 * 1024;
/**
 * Output one terminal may send per second, with bursts of OUTPUT_BURST: a flood (`yes`,
 * `cat` of a huge file) is held at the shell instead of taking the server's whole CPU from
 * everyone else's requests. Faster than a browser's xterm draws.
 */
export const OUTPUT_BYTES_PER_SECOND = 2 * 1024 * 1024;
export const OUTPUT_BURST = 1024 * 1024;

export interface TerminalOptions {
  id: string;
  name: string;
  workspaceFolder: string;
  /** Where this terminal's own files (its rcfile) are written; removed when it ends. */
  shellDir: string;
  sandbox: SandboxConfig;
  cols: number;
  rows: number;
  /** State to revive: cwd, variables, history and the screen shown above a "restored" line. */
  revive?: TerminalState | undefined;
  /** Base environment of the shell (PATH, LANG...); the server's own is never passed. */
  baseEnv: Readonly<Record<string, string>>;
  shell?: string;
}

/** One attached viewer: output queued for it, and how much its connection still holds. */
export class TerminalClient {
  private queue: TerminalEvent[] = [];
  private queuedBytes = 0;
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(
    readonly readOnly: boolean,
    /** Bytes its transport has accepted but not yet sent (a WebSocket's bufferedAmount). */
    private readonly transportBacklog: () => number,
    private readonly onDetach: (client: TerminalClient) => void,
    private readonly onDrain: () => void,
  ) {}

  /** Bytes sent to this client that it has not taken yet. */
  backlog(): number {
    return this.queuedBytes + this.transportBacklog();
  }

  push(event: TerminalEvent): void {
    if (this.ended) return;
    const last = this.queue.at(-1);
    if (event.type === "data" && last?.type === "data") last.data += event.data;
    else this.queue.push(event.type === "data" ? { ...event } : event);
    if (event.type === "data") this.queuedBytes += event.data.length;
    if (event.type === "exit") this.ended = true;
    this.wake?.();
  }

  /** The events for this client until it exits or `signal` aborts; detaches at the end. */
  async *events(signal?: AbortSignal): AsyncGenerator<TerminalEvent> {
    const onAbort = () => this.wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      while (!signal?.aborted) {
        const event = this.queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          this.wake = undefined;
          continue;
        }
        if (event.type === "data") {
          this.queuedBytes -= event.data.length;
          this.onDrain();
        }
        yield event;
        if (event.type === "exit") return;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.ended = true;
      this.queue = [];
      this.queuedBytes = 0;
      this.onDetach(this);
    }
  }
}

/**
 * A live terminal: bash on node-pty (inside the sandbox), and a headless xterm mirroring
 * its screen, so that whoever attaches gets the screen as it is now, then live output.
 */
export class LiveTerminal {
  readonly id: string;
  name: string;
  cwd: string;
  commandHistory: string[];
  environmentVars: Record<string, string>;
  lastExitCode: number | undefined;
  /** Last output or attach, for the idle reaper. */
  lastActivityAt = Date.now();
  exitCode: number | undefined;

  private readonly pty: pty.IPty;
  private readonly mirror: InstanceType<typeof HeadlessTerminal>;
  private readonly serializer: InstanceType<typeof SerializeAddon>;
  private readonly clients = new Set<TerminalClient>();
  /** Clients waiting for their first screen, with the output that arrived meanwhile. */
  private readonly waiting = new Map<TerminalClient, TerminalEvent[]>();
  private readonly workspaceFolder: string;
  private readonly shellDir: string;
  private readonly insideRoot: string;
  private readonly baseEnv: Readonly<Record<string, string>>;
  private mirrorPending = 0;
  /** Output bytes the terminal may still send now (refilled at OUTPUT_BYTES_PER_SECOND). */
  private budget = OUTPUT_BURST;
  private budgetAt = performance.now();
  private paused = false;
  private resumeTimer: NodeJS.Timeout | undefined;
  private readonly exitListeners: Array<(code: number) => void> = [];
  private readonly changeListeners: Array<() => void> = [];

  constructor(opts: TerminalOptions) {
    this.id = opts.id;
    this.name = opts.name;
    this.workspaceFolder = opts.workspaceFolder;
    this.shellDir = opts.shellDir;
    this.baseEnv = opts.baseEnv;
    const revive = opts.revive;
    this.commandHistory = [...(revive?.commandHistory ?? [])].slice(-MAX_HISTORY);
    this.environmentVars = { ...(revive?.environmentVars ?? {}) };
    this.cwd = this.startDir(revive?.cwd ?? ".");
    this.insideRoot = opts.sandbox.mode === "none" ? opts.workspaceFolder : SANDBOX_WORKSPACE;

    // Built first: without a sandbox to run in, nothing is created.
    const insideShellDir = opts.sandbox.mode === "none" ? this.shellDir : SANDBOX_SHELL_DIR;
    const cmd = sandboxCommand(opts.sandbox, {
      workspaceFolder: opts.workspaceFolder,
      shellDir: this.shellDir,
      startDir: this.cwd,
      shell: opts.shell ?? "/bin/bash",
      shellArgs: ["--rcfile", path.posix.join(insideShellDir, "rc"), "-i"],
    });

    this.mirror = new HeadlessTerminal({
      cols: opts.cols,
      rows: opts.rows,
      scrollback: SCROLLBACK_LINES,
      allowProposedApi: true,
    });
    this.serializer = new SerializeAddon();
    this.mirror.loadAddon(this.serializer);
    this.registerShellIntegration();
    if (revive?.scrollback) {
      const when = new Date().toISOString().replace("T", " ").slice(0, 16);
      this.writeMirror(
        `${revive.scrollback}\r\n\x1b[0m\x1b[2m── restored ${when} UTC ──\x1b[0m\r\n`,
      );
    }

    mkdirSync(this.shellDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(this.shellDir, "rc"), bashRcfile({ history: this.commandHistory }), {
      mode: 0o600,
    });
    if (opts.sandbox.mode !== "none") {
      for (const [name, text] of Object.entries(sandboxAccountFiles())) {
        writeFileSync(path.join(this.shellDir, name), text, { mode: 0o644 });
      }
    }
    const env: Record<string, string> = {
      ...opts.baseEnv,
      HOME: this.insideRoot,
      ...this.environmentVars,
    };
    this.pty = pty.spawn(cmd.file, cmd.args, {
      name: "xterm-256color",
      cols: opts.cols,
      rows: opts.rows,
      cwd: cmd.cwd,
      env,
    });
    this.pty.onData((data) => this.onOutput(data));
    this.pty.onExit(({ exitCode }) => this.handleExit(exitCode));
  }

  get pid(): number {
    return this.pty.pid;
  }

  get live(): boolean {
    return this.exitCode === undefined;
  }

  get attached(): number {
    return this.clients.size;
  }

  /** The saved cwd if it is still a folder in the workspace, else the workspace root. */
  private startDir(cwd: string): string {
    if (cwd === "." || path.isAbsolute(cwd) || cwd.split("/").includes("..")) return ".";
    try {
      return statSync(path.join(this.workspaceFolder, cwd)).isDirectory() ? cwd : ".";
    } catch {
      return ".";
    }
  }

  private registerShellIntegration(): void {
    const parser = this.mirror.parser;
    parser.registerOscHandler(7, (data) => {
      const inside = cwdOfReport(data);
      if (inside !== undefined) {
        const rel = path.posix.relative(this.insideRoot, inside);
        this.cwd = rel === "" ? "." : rel.startsWith("..") ? inside : rel;
        this.changed();
      }
      return true;
    });
    parser.registerOscHandler(633, (data) => {
      const [kind, ...rest] = data.split(";");
      const value = rest.join(";");
      if (kind === "E") {
        const command = Buffer.from(value, "base64").toString("utf8");
        if (command.trim() !== "") {
          this.commandHistory.push(command);
          if (this.commandHistory.length > MAX_HISTORY) this.commandHistory.shift();
          this.changed();
        }
      } else if (kind === "D") {
        const code = Number(value);
        if (Number.isInteger(code)) this.lastExitCode = code;
        // Whatever the command made or removed, quick open should see it next.
        reportFolderActivity(this.workspaceFolder);
      } else if (kind === "P" && value.startsWith("HearthEnv=")) {
        const reported = decodeEnvReport(value.slice("HearthEnv=".length));
        this.environmentVars = exportedVars(reported, this.baseEnvInside());
        this.changed();
      }
      return true;
    });
  }

  /** What the shell started with, as it sees it, before the user exported anything. */
  private baseEnvInside(): Record<string, string> {
    return { ...this.baseEnv, HOME: this.insideRoot };
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** Called when output arrives or the shell reports a new cwd, command or variables. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Called once the shell has ended, after every client was sent `exit`. */
  onExit(listener: (code: number) => void): void {
    this.exitListeners.push(listener);
  }

  private handleExit(code: number): void {
    // The mirror takes what it still has queued first, so a last save holds it.
    this.mirror.write("", () => {
      this.exitCode = code;
      clearTimeout(this.resumeTimer);
      for (const client of this.clients) client.push({ type: "exit", code });
      this.clients.clear();
      rmSync(this.shellDir, { recursive: true, force: true });
      for (const listener of this.exitListeners) listener(code);
      this.mirror.dispose();
    });
  }

  private writeMirror(data: string): void {
    this.mirrorPending += data.length;
    this.mirror.write(data, () => {
      this.mirrorPending -= data.length;
      if (this.paused) this.maybeResume();
    });
  }

  private onOutput(data: string): void {
    this.lastActivityAt = Date.now();
    this.writeMirror(data);
    for (const client of this.clients) client.push({ type: "data", data });
    for (const held of this.waiting.values()) held.push({ type: "data", data });
    this.changed();
    this.refill();
    this.budget -= data.length;
    if (!this.paused && (this.behind() > HIGH_WATERMARK || this.budget < 0)) {
      this.paused = true;
      this.pty.pause();
      this.scheduleResumeCheck();
    }
  }

  private refill(): void {
    const now = performance.now();
    this.budget = Math.min(
      OUTPUT_BURST,
      this.budget + ((now - this.budgetAt) * OUTPUT_BYTES_PER_SECOND) / 1000,
    );
    this.budgetAt = now;
  }

  /** The most output anyone (the mirror or one client) has yet to take. */
  private behind(): number {
    let most = this.mirrorPending;
    for (const client of this.clients) most = Math.max(most, client.backlog());
    return most;
  }

  private maybeResume(): void {
    if (!this.paused || this.exitCode !== undefined) return;
    this.refill();
    if (this.behind() < LOW_WATERMARK && this.budget >= 0) {
      this.paused = false;
      clearTimeout(this.resumeTimer);
      this.resumeTimer = undefined;
      this.pty.resume();
    } else {
      this.scheduleResumeCheck();
    }
  }

  // A transport's backlog shrinks without telling anyone: while paused, look again soon.
  private scheduleResumeCheck(): void {
    if (this.resumeTimer) return;
    const refilled = this.budget < 0 ? (-this.budget * 1000) / OUTPUT_BYTES_PER_SECOND : 0;
    this.resumeTimer = setTimeout(
      () => {
        this.resumeTimer = undefined;
        this.maybeResume();
      },
      Math.max(20, Math.ceil(refilled)),
    );
  }

  /** Whether output is held at the PTY because someone fell behind. */
  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * A new viewer: it is sent `ready`, the screen as it is now (colours and cursor
   * included), then every output after that screen.
   */
  attach(opts: { readOnly: boolean; transportBacklog?: () => number }): TerminalClient {
    this.lastActivityAt = Date.now();
    const client = new TerminalClient(
      opts.readOnly,
      opts.transportBacklog ?? (() => 0),
      (c) => {
        this.clients.delete(c);
        this.lastActivityAt = Date.now();
        if (this.paused) this.maybeResume();
      },
      () => {
        if (this.paused) this.maybeResume();
      },
    );
    client.push({
      type: "ready",
      terminalId: this.id,
      name: this.name,
      readOnly: opts.readOnly,
      cols: this.mirror.cols,
      rows: this.mirror.rows,
    });
    if (this.exitCode !== undefined) {
      client.push({ type: "exit", code: this.exitCode });
      return client;
    }
    // Output reaches clients as it arrives and the mirror a little later; the screen is
    // taken once the mirror has parsed everything sent before this client joined, and
    // what arrives meanwhile is held for it, so it sees each byte exactly once.
    const held: TerminalEvent[] = [];
    this.waiting.set(client, held);
    this.mirror.write("", () => {
      this.waiting.delete(client);
      client.push({ type: "data", data: this.serializer.serialize() });
      for (const event of held) client.push(event);
      this.clients.add(client);
    });
    return client;
  }

  input(data: string): void {
    if (this.exitCode !== undefined) return;
    this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exitCode !== undefined) return;
    this.pty.resize(cols, rows);
    this.mirror.resize(cols, rows);
  }

  /** What a save holds: cwd, history, variables and the serialized screen and scrollback. */
  snapshot(): TerminalState {
    return {
      cwd: this.cwd,
      commandHistory: [...this.commandHistory],
      environmentVars: { ...this.environmentVars },
      scrollback:
        this.exitCode === undefined
          ? this.serializer.serialize({ scrollback: SAVED_SCROLLBACK_LINES })
          : "",
    };
  }

  /** Resolves once the mirror has parsed all output received so far. */
  settled(): Promise<void> {
    if (this.exitCode !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.mirror.write("", resolve));
  }

  /** Ends the shell (and everything in its sandbox); `exit` events follow. */
  kill(): void {
    if (this.exitCode !== undefined) return;
    if (this.paused) this.pty.resume();
    this.pty.kill("SIGHUP");
  }
}
