import type { IdeState, IdeStore } from "../state/ide-store";
import { fromParts, sessionParts, toParts } from "../state/snapshot";
import type {
  DebugPart,
  MemoryPart,
  PartsPatch,
  SessionParts,
  WorkspaceSession,
} from "../state/types";
import { applyPatch, diffParts, isEmptyPatch, withoutBuffers } from "./diff";
import { mergeParts, type RecoveredCopy } from "./merge";

export type AutosaveRequest = PartsPatch & { id: string; baseRev: number };

export type SaveOutcome =
  | { kind: "saved"; rev: number }
  /** No answer: offline, or the server is away (restarting). Worth trying again. */
  | { kind: "network" }
  /** Another tab or device saved first. */
  | { kind: "conflict" }
  /** The server said no (too large, forbidden, invalid): shown, not retried as is. */
  | { kind: "refused"; message: string };

/** How autosave reaches the API; the browser's is in ./transport. */
export interface AutosaveTransport {
  save(request: AutosaveRequest): Promise<SaveOutcome>;
  /** workspace.get; throws when it cannot be read. */
  load(id: string): Promise<WorkspaceSession>;
  /** Sends while the page goes away (keepalive); answers are never read. */
  sendOnExit(request: AutosaveRequest): void;
}

/** What could not be sent yet, kept in the browser (IndexedDB) across reloads. */
export interface PendingSave {
  baseRev: number;
  /** When it was written (ISO-8601). */
  at: string;
  patch: PartsPatch;
  /** What the server held for the patched parts when the patch was made. */
  base: { debug: DebugPart; memory: MemoryPart; buffers: Record<string, string | null> };
}

export interface PendingStore {
  get(workspaceId: string): Promise<PendingSave | undefined>;
  set(workspaceId: string, pending: PendingSave): Promise<void>;
  delete(workspaceId: string): Promise<void>;
}

export interface AutosaveOptions {
  debounceMs?: number;
  /** Waits between tries while there is no answer; the last repeats. */
  retryMs?: number[];
  now?: () => Date;
}

/** Keepalive bodies share a 64 KiB budget per page; stay under it with room for headers. */
export const KEEPALIVE_BODY_LIMIT = 60 * 1024;
const MAX_CONFLICTS_IN_A_ROW = 3;

function savedFields(s: IdeState) {
  return [
    s.layout,
    s.tabs,
    s.active,
    s.focusedGroup,
    s.buffers,
    s.breakpoints,
    s.watches,
    s.facts,
    s.decisions,
    s.panels,
  ];
}

/**
 * Autosave: watches the IDE store and sends what changed as partial workspace.autosave
 * calls, one at a time, ≈500 ms after the last change, with the rev it last saw. It keeps
 * what could not be sent in the browser until the server answers again, merges on
 * CONFLICT, and shows refusals instead of retrying them.
 */
export class Autosaver {
  private saved: SessionParts;
  private baseRev: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = false;
  private again = false;
  private offline = false;
  private tries = 0;
  private conflicts = 0;
  private refused: string | null = null;
  private hasPending = false;
  private unsubscribe: (() => void) | undefined;
  private debounceMs: number;
  private readonly retryMs: number[];
  private readonly now: () => Date;

  constructor(
    private readonly store: IdeStore,
    private readonly transport: AutosaveTransport,
    private readonly pending: PendingStore,
    saved: SessionParts,
    rev: number,
    options: AutosaveOptions = {},
  ) {
    this.saved = saved;
    this.baseRev = rev;
    this.debounceMs = options.debounceMs ?? 500;
    this.retryMs = options.retryMs ?? [500, 1000, 2000, 4000];
    this.now = options.now ?? (() => new Date());
  }

  /** Starts watching; sends at once if the store already differs (restored pending text). */
  start(hasPending = false): void {
    this.hasPending = hasPending;
    this.unsubscribe = this.store.subscribe((state, prev) => {
      const a = savedFields(state);
      const b = savedFields(prev);
      if (a.some((v, i) => v !== b[i])) this.schedule(this.debounceMs);
    });
    if (!isEmptyPatch(this.patch())) this.schedule(0);
  }

  /** How long after the last change a save goes out (the person's autosave delay). */
  setDebounceMs(ms: number): void {
    this.debounceMs = ms;
  }

  stop(): void {
    this.unsubscribe?.();
    clearTimeout(this.timer);
  }

  get rev(): number {
    return this.baseRev;
  }

  /** The connection is back: try now instead of at the next retry. */
  online(): void {
    if (this.offline) this.schedule(0);
  }

  private patch(): PartsPatch {
    return diffParts(this.saved, toParts(this.store.getState()));
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.offline && this.store.getState().status !== "Saving…") {
      this.store.getState().setStatus("Saving…");
    }
    this.timer = setTimeout(() => void this.flush(), ms);
  }

  /** Sends what changed now (one request at a time). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const patch = this.patch();
    if (isEmptyPatch(patch)) {
      this.settled();
      return;
    }
    const signature = JSON.stringify(patch);
    if (signature === this.refused) return;
    this.inFlight = true;
    this.again = false;
    let outcome: SaveOutcome;
    try {
      outcome = await this.transport.save({
        id: this.workspaceId,
        baseRev: this.baseRev,
        ...patch,
      });
    } catch (error) {
      outcome = { kind: "refused", message: messageOf(error) };
    } finally {
      this.inFlight = false;
    }
    switch (outcome.kind) {
      case "saved":
        this.saved = applyPatch(this.saved, patch);
        this.baseRev = outcome.rev;
        this.offline = false;
        this.tries = 0;
        this.conflicts = 0;
        this.refused = null;
        if (this.store.getState().saveError) this.store.getState().setStatus("Saving…", null);
        break;
      case "network":
        this.offline = true;
        this.store.getState().setStatus("Offline");
        await this.keepPending(patch);
        this.timer = setTimeout(
          () => void this.flush(),
          this.retryMs[Math.min(this.tries++, this.retryMs.length - 1)],
        );
        return;
      case "conflict":
        this.conflicts += 1;
        if (this.conflicts > MAX_CONFLICTS_IN_A_ROW) {
          this.refuse(signature, "Other tabs keep saving this session first; try again later.");
          return;
        }
        if (!(await this.rebase())) return;
        break;
      case "refused":
        this.refuse(signature, outcome.message);
        return;
    }
    if (this.again || !isEmptyPatch(this.patch())) {
      await this.flush();
      return;
    }
    this.settled();
  }

  private settled(): void {
    if (this.inFlight || this.offline) return;
    if (this.store.getState().status !== "Saved") this.store.getState().setStatus("Saved");
    if (this.hasPending) {
      this.hasPending = false;
      void this.pending.delete(this.workspaceId);
    }
  }

  private refuse(signature: string, message: string): void {
    this.refused = signature;
    this.offline = false;
    this.store.getState().setStatus("Saving…", `Not saved: ${message}`);
  }

  /** CONFLICT: reads what the other side saved and merges it in. False when unreachable. */
  private async rebase(): Promise<boolean> {
    let session: WorkspaceSession;
    try {
      session = await this.transport.load(this.workspaceId);
    } catch {
      this.offline = true;
      this.store.getState().setStatus("Offline");
      this.timer = setTimeout(() => void this.flush(), this.retryMs[0]);
      return false;
    }
    const remote = sessionParts(session);
    const local = toParts(this.store.getState());
    const merged = mergeParts(this.saved, local, remote, this.now());
    applyMerged(this.store, merged.parts, merged.copies);
    this.saved = remote;
    this.baseRev = session.rev;
    return true;
  }

  private async keepPending(patch: PartsPatch): Promise<void> {
    this.hasPending = true;
    try {
      await this.pending.set(this.workspaceId, this.pendingFor(patch));
    } catch {
      // Private browsing can refuse IndexedDB; the page still holds the text meanwhile.
    }
  }

  private pendingFor(patch: PartsPatch): PendingSave {
    const buffers: Record<string, string | null> = {};
    for (const path of Object.keys(patch.buffers ?? {}))
      buffers[path] = this.saved.buffers[path] ?? null;
    return {
      baseRev: this.baseRev,
      at: this.now().toISOString(),
      patch,
      base: { debug: this.saved.debug, memory: this.saved.memory, buffers },
    };
  }

  /**
   * The page is going away: keep what is unsent in the browser and send it with a
   * keepalive request. Keepalive bodies are capped (64 KiB), so a patch too large for one
   * sends its small parts only; its text goes out from the browser's copy on the next visit.
   */
  flushOnExit(): void {
    const patch = this.patch();
    if (isEmptyPatch(patch) || JSON.stringify(patch) === this.refused) return;
    this.hasPending = true;
    void this.pending.set(this.workspaceId, this.pendingFor(patch)).catch(() => {});
    const request: AutosaveRequest = { id: this.workspaceId, baseRev: this.baseRev, ...patch };
    if (byteLength(JSON.stringify(request)) <= KEEPALIVE_BODY_LIMIT) {
      this.transport.sendOnExit(request);
      return;
    }
    const small = withoutBuffers(patch);
    if (!isEmptyPatch(small)) {
      this.transport.sendOnExit({ id: this.workspaceId, baseRev: this.baseRev, ...small });
    }
  }

  private get workspaceId(): string {
    return this.store.getState().workspaceId;
  }
}

/** Puts merged parts into the store and tells the person about recovered copies. */
function applyMerged(store: IdeStore, parts: SessionParts, copies: RecoveredCopy[]): void {
  const state = store.getState();
  const next = fromParts(parts);
  // The editor part is this tab's own (last writer wins): keep its tabs as they are and
  // only add tabs for text that came from the other side.
  const tabs = [...state.tabs];
  for (const tab of next.tabs ?? []) {
    if (!tabs.some((t) => t.path === tab.path)) tabs.push(tab);
  }
  state.replace({
    tabs,
    buffers: next.buffers ?? state.buffers,
    breakpoints: next.breakpoints ?? state.breakpoints,
    watches: next.watches ?? state.watches,
    facts: next.facts ?? state.facts,
    decisions: next.decisions ?? state.decisions,
  });
  for (const copy of copies) {
    state.notify(
      `${copy.path} was also changed in another tab or device. This tab's text stays; ` +
        `the other text is kept in ${copy.copyPath}.`,
    );
  }
}

/**
 * The state to show when a workspace opens: the server's, with any text this browser
 * could not send last time. Pending parts made on the rev the server still has apply as
 * they are; older ones merge like a CONFLICT, so nothing saved elsewhere meanwhile is lost.
 */
export function resumeParts(
  session: WorkspaceSession,
  pending: PendingSave | undefined,
  now: Date,
): { parts: SessionParts; copies: RecoveredCopy[] } {
  const server = sessionParts(session);
  if (!pending) return { parts: server, copies: [] };
  if (pending.baseRev === session.rev)
    return { parts: applyPatch(server, pending.patch), copies: [] };
  const baseBuffers = { ...server.buffers };
  for (const [path, text] of Object.entries(pending.base.buffers)) {
    if (text === null) delete baseBuffers[path];
    else baseBuffers[path] = text;
  }
  const base: SessionParts = {
    editor: server.editor,
    debug: pending.base.debug,
    memory: pending.base.memory,
    buffers: baseBuffers,
  };
  const local = applyPatch(base, { ...pending.patch, editor: server.editor });
  return mergeParts(base, local, server, now);
}

export { applyMerged };

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
