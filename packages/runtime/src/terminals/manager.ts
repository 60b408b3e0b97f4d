import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { makeRuntimeDir } from "./runtime-dir";
import { rootOnlyPaths, type SandboxConfig, SandboxUnavailableError } from "./sandbox";
import { LiveTerminal, type TerminalClient, type TerminalState } from "./terminal";

/** Which workspace session a terminal belongs to. */
export interface WorkspaceRef {
  tenantId: string;
  sessionId: string;
}

/** A workspace session as the terminals need it: whose it is and its folder. */
export interface TerminalWorkspace extends WorkspaceRef {
  ownerId: string;
  /** Absolute path of the session's folder. */
  folder: string;
}

export interface SavedTerminal extends TerminalState {
  id: string;
  name: string;
}

/** A session's terminals as saved: their order, names and states, and the active one. */
export interface SavedTerminals {
  activeId: string | null;
  terminals: SavedTerminal[];
}

/** A save: the whole list, with the state of each terminal that changed since the last. */
export interface TerminalsSave {
  activeId: string | null;
  terminals: Array<{ id: string; name: string; state?: TerminalState | undefined }>;
}

/** Where terminal state is kept (the workspace session's terminal part, in Hearth). */
export interface TerminalStateStore {
  /** The session's saved terminals, or null when the session no longer exists. */
  load(ws: WorkspaceRef): Promise<SavedTerminals | null>;
  /** Saves the list; terminals not in it are dropped. False when the session is gone. */
  save(ws: WorkspaceRef, save: TerminalsSave): Promise<boolean>;
}

export type TerminalErrorCode = "NOT_FOUND" | "LIMIT" | "UNAVAILABLE" | "READ_ONLY";

/** A refusal the caller can act on; the message is a sentence for the user. */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
  constructor(
    readonly code: TerminalErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a tabbed terminal panel shows of each terminal. */
export interface TerminalInfo {
  id: string;
  name: string;
  /** Running now (else it revives on attach). */
  live: boolean;
  active: boolean;
  cwd: string;
}

export const DEFAULT_MAX_LIVE_PER_USER = 5;
export const DEFAULT_IDLE_MS = 30 * 60 * 1000;
export const DEFAULT_SAVE_INTERVAL_MS = 2000;

export interface TerminalManagerOptions {
  store: TerminalStateStore;
  sandbox: SandboxConfig;
  /** Live terminals one user may run at once (default 5). */
  maxLivePerUser?: number | undefined;
  /** A terminal without an attached client or output this long is saved and stopped. */
  idleMs?: number | undefined;
  /** The least time between two saves of one session while output flows (default 2 s). */
  saveIntervalMs?: number | undefined;
  /** The shell's base environment; defaults to a PATH, TERM and LANG of its own. */
  baseEnv?: Record<string, string> | undefined;
  /** Asked by the reaper whether a session's owner may still open its terminals. */
  stillAllowed?: ((ws: TerminalWorkspace) => Promise<boolean>) | undefined;
  log?: { error(obj: object, msg: string): void } | undefined;
}

const DEFAULT_BASE_ENV: Record<string, string> = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  TERM: "xterm-256color",
  COLORTERM: "truecolor",
  LANG: "C.UTF-8",
  SHELL: "/bin/bash",
};

/** One workspace session's terminals on this server. */
interface SessionTerminals {
  ws: TerminalWorkspace;
  key: string;
  order: string[];
  names: Map<string, string>;
  /** The last known state of each terminal that is not running. */
  saved: Map<string, SavedTerminal>;
  live: Map<string, LiveTerminal>;
  activeId: string | null;
  /** Terminals whose state changed since the last save. */
  dirty: Set<string>;
  listDirty: boolean;
  timer: NodeJS.Timeout | undefined;
  saving: Promise<void> | undefined;
  lastSaveAt: number;
  /** Ended with its session: nothing of it is saved any more. */
  gone: boolean;
}

function keyOf(ws: WorkspaceRef): string {
  return `${ws.tenantId}/${ws.sessionId}`;
}

/**
 * Every terminal this server runs, by workspace session. It owns their state: it saves
 * each session's terminals through the store while output flows (at most every
 * `saveIntervalMs`, one save in flight per session), before the idle reaper stops one, and
 * at close; an attach to a saved terminal that is not running revives it.
 */
export class TerminalManager {
  private readonly sessions = new Map<string, SessionTerminals>();
  private readonly loading = new Map<string, Promise<SessionTerminals>>();
  /** terminal id → its session, for calls that name only the terminal. */
  private readonly byTerminal = new Map<string, SessionTerminals>();
  /** Terminals stopped by the server (reaper, shutdown): their state is kept. */
  private readonly retiring = new Set<string>();
  /** Where terminals' own files (rcfiles) go: made with the first terminal, removed at close. */
  private runtimeDir: string | undefined;
  private readonly maxLive: number;
  private readonly idleMs: number;
  private readonly saveIntervalMs: number;
  private readonly baseEnv: Record<string, string>;
  private readonly reaper: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  private sandbox: SandboxConfig;
  /** Resolves once the sandbox knows what to hide (see rootOnlyPaths); made on first use. */
  private sandboxReady: Promise<void> | undefined;

  constructor(private readonly opts: TerminalManagerOptions) {
    this.maxLive = opts.maxLivePerUser ?? DEFAULT_MAX_LIVE_PER_USER;
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.saveIntervalMs = opts.saveIntervalMs ?? DEFAULT_SAVE_INTERVAL_MS;
    this.baseEnv = opts.baseEnv ?? DEFAULT_BASE_ENV;
    this.reaper = setInterval(() => void this.reap(), Math.min(60_000, this.idleMs / 2));
    this.reaper.unref();
    this.sandbox = opts.sandbox;
  }

  /** Live terminals `userId` runs on this server. */
  liveCount(userId: string): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.ws.ownerId === userId) n += s.live.size;
    return n;
  }

  async list(ws: TerminalWorkspace): Promise<TerminalInfo[]> {
    const s = await this.session(ws);
    return s.order.map((id) => this.info(s, id));
  }

  /** Opens a new terminal in the session (owner only; the router checks). */
  async create(
    ws: TerminalWorkspace,
    opts: { name?: string | undefined; cols: number; rows: number },
  ): Promise<TerminalInfo> {
    const s = await this.session(ws);
    const id = randomBytes(8).toString("hex");
    const name = opts.name ?? this.nextName(s);
    this.start(s, id, name, opts.cols, opts.rows, undefined);
    s.order.push(id);
    s.names.set(id, name);
    s.activeId = id;
    this.byTerminal.set(id, s);
    this.markList(s);
    return this.info(s, id);
  }

  /**
   * Attaches to a terminal: the one named, else the active one, else a new one (owners),
   * reviving a saved terminal that is not running. Read-only viewers attach only to
   * running terminals and never start or resize one.
   */
  async attach(
    ws: TerminalWorkspace,
    opts: {
      terminalId?: string | undefined;
      cols: number;
      rows: number;
      readOnly: boolean;
      transportBacklog?: (() => number) | undefined;
    },
  ): Promise<TerminalClient> {
    const s = await this.session(ws);
    let id = opts.terminalId;
    if (id !== undefined && !s.names.has(id)) {
      throw new TerminalError("NOT_FOUND", "That terminal does not exist in this workspace.");
    }
    if (opts.readOnly) {
      id ??= s.activeId && s.live.has(s.activeId) ? s.activeId : [...s.live.keys()][0];
      const live = id === undefined ? undefined : s.live.get(id);
      if (!live) {
        throw new TerminalError("NOT_FOUND", "No terminal of this workspace is running now.");
      }
      return live.attach({ readOnly: true, transportBacklog: opts.transportBacklog });
    }
    id ??= s.activeId ?? s.order[0];
    if (id === undefined) {
      id = (await this.create(ws, { cols: opts.cols, rows: opts.rows })).id;
    }
    let live = s.live.get(id);
    if (!live) {
      live = this.start(s, id, s.names.get(id)!, opts.cols, opts.rows, s.saved.get(id));
    } else {
      live.resize(opts.cols, opts.rows);
    }
    if (s.activeId !== id) {
      s.activeId = id;
      this.markList(s);
    }
    return live.attach({ readOnly: false, transportBacklog: opts.transportBacklog });
  }

  /** The session of a terminal this server knows, for calls that name only the terminal. */
  workspaceOf(terminalId: string): TerminalWorkspace | undefined {
    return this.byTerminal.get(terminalId)?.ws;
  }

  input(terminalId: string, data: string): void {
    this.running(terminalId).input(data);
  }

  resize(terminalId: string, cols: number, rows: number): void {
    this.running(terminalId).resize(cols, rows);
  }

  rename(terminalId: string, name: string): TerminalInfo {
    const s = this.sessionOf(terminalId);
    s.names.set(terminalId, name);
    const live = s.live.get(terminalId);
    if (live) live.name = name;
    const saved = s.saved.get(terminalId);
    if (saved) saved.name = name;
    this.markList(s);
    return this.info(s, terminalId);
  }

  /** Ends a terminal for good: its shell is stopped and its saved state dropped. */
  kill(terminalId: string): void {
    const s = this.sessionOf(terminalId);
    const live = s.live.get(terminalId);
    if (live) live.kill();
    else this.forget(s, terminalId);
  }

  /** The session was deleted: its terminals end and nothing more of them is saved. */
  endSession(ws: WorkspaceRef): void {
    const s = this.sessions.get(keyOf(ws));
    if (!s) return;
    s.gone = true;
    clearTimeout(s.timer);
    for (const live of s.live.values()) live.kill();
    for (const id of s.order) this.byTerminal.delete(id);
    this.sessions.delete(s.key);
  }

  /**
   * Saves every session's terminals and stops them; the next server revives them on
   * attach. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.reaper);
      const sessions = [...this.sessions.values()];
      await Promise.all(
        sessions.map(async (s) => {
          clearTimeout(s.timer);
          s.timer = undefined;
          await s.saving;
          await Promise.all([...s.live.values()].map((t) => t.settled()));
          for (const id of s.live.keys()) s.dirty.add(id);
          await this.saveNow(s);
        }),
      );
      const exits: Array<Promise<void>> = [];
      for (const s of sessions) {
        for (const [id, live] of s.live) {
          this.retiring.add(id);
          exits.push(new Promise((resolve) => live.onExit(() => resolve())));
          live.kill();
        }
      }
      await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 3000))]);
      if (this.runtimeDir) rmSync(this.runtimeDir, { recursive: true, force: true });
    })();
    return this.closing;
  }

  private running(terminalId: string): LiveTerminal {
    const live = this.byTerminal.get(terminalId)?.live.get(terminalId);
    if (!live) throw new TerminalError("NOT_FOUND", "That terminal is not running.");
    return live;
  }

  private sessionOf(terminalId: string): SessionTerminals {
    const s = this.byTerminal.get(terminalId);
    if (!s) throw new TerminalError("NOT_FOUND", "That terminal does not exist.");
    return s;
  }

  private info(s: SessionTerminals, id: string): TerminalInfo {
    const live = s.live.get(id);
    return {
      id,
      name: s.names.get(id) ?? "",
      live: live !== undefined,
      active: s.activeId === id,
      cwd: live?.cwd ?? s.saved.get(id)?.cwd ?? ".",
    };
  }

  private nextName(s: SessionTerminals): string {
    const taken = new Set(s.names.values());
    for (let n = 1; ; n++) if (!taken.has(`Terminal ${n}`)) return `Terminal ${n}`;
  }

  private prepareSandbox(): Promise<void> {
    // As root, the sandbox's uid is root outside it: what only root may read is covered.
    const asRoot = process.getuid?.() === 0;
    const sandbox = this.opts.sandbox;
    this.sandboxReady ??=
      sandbox.mode === "bubblewrap" && asRoot && sandbox.hidden === undefined
        ? rootOnlyPaths().then((hidden) => {
            this.sandbox = { ...this.sandbox, hidden };
          })
        : Promise.resolve();
    return this.sandboxReady;
  }

  private async session(ws: TerminalWorkspace): Promise<SessionTerminals> {
    if (this.closing) throw new TerminalError("UNAVAILABLE", "The server is shutting down.");
    await this.prepareSandbox();
    const key = keyOf(ws);
    const known = this.sessions.get(key);
    if (known) return known;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(ws, key).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async load(ws: TerminalWorkspace, key: string): Promise<SessionTerminals> {
    const saved = await this.opts.store.load(ws);
    if (!saved) throw new TerminalError("NOT_FOUND", "That workspace session no longer exists.");
    // A fork (or a restored copy) holds its source's terminals under the same ids; calls
    // that name only a terminal must reach one session, so the copy's get ids of their own.
    const renamed = new Set<string>();
    for (const t of saved.terminals) {
      if (!this.byTerminal.has(t.id)) continue;
      const fresh = randomBytes(8).toString("hex");
      if (saved.activeId === t.id) saved.activeId = fresh;
      t.id = fresh;
      renamed.add(fresh);
    }
    const s: SessionTerminals = {
      ws,
      key,
      order: saved.terminals.map((t) => t.id),
      names: new Map(saved.terminals.map((t) => [t.id, t.name])),
      saved: new Map(saved.terminals.map((t) => [t.id, t])),
      live: new Map(),
      activeId: saved.activeId,
      dirty: new Set(),
      listDirty: false,
      timer: undefined,
      saving: undefined,
      lastSaveAt: 0,
      gone: false,
    };
    this.sessions.set(key, s);
    for (const id of s.order) this.byTerminal.set(id, s);
    if (renamed.size > 0) {
      for (const id of renamed) s.dirty.add(id);
      this.markList(s);
    }
    return s;
  }

  private start(
    s: SessionTerminals,
    id: string,
    name: string,
    cols: number,
    rows: number,
    revive: TerminalState | undefined,
  ): LiveTerminal {
    const owner = s.ws.ownerId;
    if (this.liveCount(owner) >= this.maxLive) {
      throw new TerminalError(
        "LIMIT",
        `You already run ${this.maxLive} live terminals, the most one user may (HEARTH_MAX_TERMINALS_PER_USER); close one to open another.`,
      );
    }
    let live: LiveTerminal;
    try {
      live = new LiveTerminal({
        id,
        name,
        workspaceFolder: s.ws.folder,
        shellDir: path.join(this.shellRoot(), id),
        sandbox: this.sandbox,
        cols,
        rows,
        revive,
        baseEnv: this.baseEnv,
      });
    } catch (err) {
      if (err instanceof SandboxUnavailableError)
        throw new TerminalError("UNAVAILABLE", err.message);
      throw err;
    }
    s.live.set(id, live);
    s.saved.delete(id);
    live.onChange(() => {
      s.dirty.add(id);
      this.scheduleSave(s);
    });
    live.onExit(() => {
      if (s.live.get(id) !== live) return;
      s.live.delete(id);
      if (this.retiring.delete(id)) return;
      // The shell ended on its own or by terminal.kill: the terminal is gone.
      this.forget(s, id);
    });
    return live;
  }

  private shellRoot(): string {
    this.runtimeDir ??= makeRuntimeDir();
    return this.runtimeDir;
  }

  private forget(s: SessionTerminals, id: string): void {
    s.order = s.order.filter((t) => t !== id);
    s.names.delete(id);
    s.saved.delete(id);
    s.dirty.delete(id);
    this.byTerminal.delete(id);
    if (s.activeId === id) s.activeId = s.order.at(-1) ?? null;
    this.markList(s);
  }

  private markList(s: SessionTerminals): void {
    s.listDirty = true;
    this.scheduleSave(s);
  }

  private scheduleSave(s: SessionTerminals): void {
    if (s.timer || s.gone || this.closing) return;
    const wait = Math.max(0, s.lastSaveAt + this.saveIntervalMs - Date.now());
    s.timer = setTimeout(() => {
      s.timer = undefined;
      if (s.saving) {
        // One save in flight per session: the next one waits for it.
        void s.saving.then(() => this.scheduleSave(s));
        return;
      }
      void this.saveNow(s);
    }, wait);
    s.timer.unref?.();
  }

  /** Saves the session's list and its changed terminals now (after any save in flight). */
  private async saveNow(s: SessionTerminals): Promise<void> {
    while (s.saving) await s.saving;
    if (s.gone || (!s.listDirty && s.dirty.size === 0)) return;
    const dirty = s.dirty;
    s.dirty = new Set();
    s.listDirty = false;
    s.lastSaveAt = Date.now();
    const save: TerminalsSave = {
      activeId: s.activeId,
      terminals: s.order.map((id) => ({
        id,
        name: s.names.get(id) ?? "",
        state: dirty.has(id) ? (s.live.get(id)?.snapshot() ?? s.saved.get(id)) : undefined,
      })),
    };
    s.saving = (async () => {
      try {
        const exists = await this.opts.store.save(s.ws, save);
        if (!exists) this.endSession(s.ws);
      } catch (err) {
        for (const id of dirty) s.dirty.add(id);
        s.listDirty = true;
        this.opts.log?.error({ err, session: s.key }, "saving terminals failed");
      } finally {
        s.saving = undefined;
      }
    })();
    await s.saving;
  }

  private reaping: Promise<void> | undefined;

  /** Stops idle terminals (saved first) and those whose owner lost access; one pass at a time. */
  private reap(): Promise<void> {
    this.reaping ??= this.reapPass().finally(() => {
      this.reaping = undefined;
    });
    return this.reaping;
  }

  private async reapPass(): Promise<void> {
    const now = Date.now();
    for (const s of [...this.sessions.values()]) {
      if (s.live.size === 0) continue;
      if (this.opts.stillAllowed && !(await this.opts.stillAllowed(s.ws).catch(() => true))) {
        this.endSession(s.ws);
        continue;
      }
      const idle = [...s.live.values()].filter(
        (t) =>
          !this.retiring.has(t.id) && t.attached === 0 && now - t.lastActivityAt >= this.idleMs,
      );
      if (idle.length > 0) await this.retire(s, idle);
    }
  }

  /** Saves these terminals' state, then stops them; an attach revives them. */
  private async retire(s: SessionTerminals, terminals: LiveTerminal[]): Promise<void> {
    for (const t of terminals) this.retiring.add(t.id);
    for (const t of terminals) {
      await t.settled();
      if (!t.live) continue;
      s.saved.set(t.id, { id: t.id, name: t.name, ...t.snapshot() });
      s.dirty.add(t.id);
    }
    await this.saveNow(s);
    for (const t of terminals) t.kill();
  }

  /** Runs the idle reaper now (tests move time instead of waiting half an hour). */
  reapNow(): Promise<void> {
    return this.reap();
  }
}
