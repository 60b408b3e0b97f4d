import { type TenantKeys, tenantKeys, WS_PART } from "../keyspace";
import type { TerminalState } from "../models/workspace-session";
import type { Bytes, Store, Transaction } from "../store/types";
import { PayloadTooLargeError } from "./errors";
import { decodeJson, encodeJson, getJson, isoOf, splitChunks, transact } from "./internal";

/**
 * The server's terminals of a workspace session. They live in the session's range, beside
 * the parts a browser autosaves, and are written without touching its rev: terminal output
 * flowing never makes an editor's next autosave a CONFLICT, and neither side writes the
 * other's keys. Keys (see docs/keyspace.md):
 *
 * (t,"ws",sessionId,"terminals") -> {activeId, terminals: [{id, name, chunks, savedAt}]}
 * (t,"ws",sessionId,"terminal_state",terminalId,chunk) -> JSON TerminalState, chunked
 */
export interface WorkspaceTerminal extends TerminalState {
  id: string;
  name: string;
  /** When its state was last saved (null: never, it has only a name so far). */
  savedAt: string | null;
}

export interface WorkspaceTerminals {
  activeId: string | null;
  terminals: WorkspaceTerminal[];
}

/** A save: the whole list in order; each terminal given a `state` has it replaced. */
export interface SaveTerminalsInput {
  activeId: string | null;
  terminals: Array<{ id: string; name: string; state?: TerminalState | undefined }>;
  now?: Date;
}

/** The list record: order, names, the active terminal and each one's chunk count. */
export interface TerminalListRecord {
  activeId: string | null;
  terminals: Array<{ id: string; name: string; chunks: number; savedAt: string | null }>;
}

/** What one save may write across all terminals. */
const MAX_TERMINALS_BYTES = 8_000_000;

export function terminalListKey(keys: TenantKeys, sessionId: string): Bytes {
  return keys.wsSpace.key(sessionId, WS_PART.terminals);
}

export function terminalStateChunkKey(
  keys: TenantKeys,
  sessionId: string,
  terminalId: string,
  chunk: number,
): Bytes {
  return keys.wsSpace.key(sessionId, WS_PART.terminalState, terminalId, chunk);
}

const EMPTY_STATE: TerminalState = { cwd: ".", commandHistory: [], environmentVars: {} };

export class WorkspaceTerminalRepository {
  constructor(private readonly store: Store) {}

  /** The session's terminals with their states, or null when the session does not exist. */
  async get(tenantId: string, sessionId: string): Promise<WorkspaceTerminals | null> {
    const keys = tenantKeys(tenantId);
    return this.store.transact(async (tx) => {
      if (!(await tx.get(keys.ws(sessionId).meta))) return null;
      const list = await getJson<TerminalListRecord>(tx, terminalListKey(keys, sessionId));
      if (!list) return { activeId: null, terminals: [] };
      const terminals: WorkspaceTerminal[] = [];
      for (const t of list.terminals) {
        const state = await readState(tx, keys, sessionId, t.id, t.chunks);
        terminals.push({ id: t.id, name: t.name, savedAt: t.savedAt, ...state });
      }
      return { activeId: list.activeId, terminals };
    });
  }

  /**
   * Replaces the list; terminals given a state have it rewritten, those left out of the
   * list are dropped with their state. False (nothing written) when the session does not
   * exist. The session's rev and its other parts are not touched.
   */
  async save(tenantId: string, sessionId: string, input: SaveTerminalsInput): Promise<boolean> {
    const savedAt = isoOf(input.now ?? new Date());
    const encoded = new Map<string, Bytes[]>();
    let bytes = 0;
    for (const t of input.terminals) {
      if (!t.state) continue;
      const value = encodeJson(t.state);
      bytes += value.length;
      encoded.set(t.id, splitChunks(value));
    }
    if (bytes > MAX_TERMINALS_BYTES) {
      throw new PayloadTooLargeError(
        `the terminals to save hold ${bytes} B; at most ${MAX_TERMINALS_BYTES} B`,
      );
    }
    const keys = tenantKeys(tenantId);
    return transact(this.store, async (tx) => {
      if (!(await tx.get(keys.ws(sessionId).meta))) return false;
      const listKey = terminalListKey(keys, sessionId);
      const old = await getJson<TerminalListRecord>(tx, listKey);
      const before = new Map(old?.terminals.map((t) => [t.id, t]) ?? []);
      const next: TerminalListRecord = { activeId: input.activeId, terminals: [] };
      for (const t of input.terminals) {
        const prev = before.get(t.id);
        before.delete(t.id);
        const pieces = encoded.get(t.id);
        if (!pieces) {
          next.terminals.push({
            id: t.id,
            name: t.name,
            chunks: prev?.chunks ?? 0,
            savedAt: prev?.savedAt ?? null,
          });
          continue;
        }
        for (let i = 0; i < pieces.length; i++) {
          tx.set(terminalStateChunkKey(keys, sessionId, t.id, i), pieces[i]!);
        }
        for (let i = pieces.length; i < (prev?.chunks ?? 0); i++) {
          tx.clear(terminalStateChunkKey(keys, sessionId, t.id, i));
        }
        next.terminals.push({ id: t.id, name: t.name, chunks: pieces.length, savedAt });
      }
      for (const gone of before.values()) {
        for (let i = 0; i < gone.chunks; i++) {
          tx.clear(terminalStateChunkKey(keys, sessionId, gone.id, i));
        }
      }
      if (next.activeId !== null && !next.terminals.some((t) => t.id === next.activeId)) {
        next.activeId = next.terminals.at(-1)?.id ?? null;
      }
      if (next.terminals.length === 0) tx.clear(listKey);
      else tx.set(listKey, encodeJson(next));
      return true;
    });
  }
}

async function readState(
  tx: Transaction,
  keys: TenantKeys,
  sessionId: string,
  terminalId: string,
  chunks: number,
): Promise<TerminalState> {
  if (chunks === 0) return { ...EMPTY_STATE, commandHistory: [], environmentVars: {} };
  const pieces: Bytes[] = [];
  for (let i = 0; i < chunks; i++) {
    const piece = await tx.get(terminalStateChunkKey(keys, sessionId, terminalId, i));
    if (piece) pieces.push(piece);
  }
  return decodeJson<TerminalState>(Buffer.concat(pieces));
}
