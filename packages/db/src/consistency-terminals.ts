/**
 * checkConsistency's part for the server's terminals of a session: the list record belongs
 * to an existing session, each listed terminal has exactly the chunks the list says, and
 * no terminal state is left without a place in the list.
 */
import type { TupleItem } from "fdb-tuple";
import type { TerminalListRecord } from "./repos/workspace-terminal-repository";
import type { Bytes } from "./store/types";

type Report = (
  kind: "chunks_without_meta" | "chunks_not_contiguous" | "unknown_key",
  key: string,
  message: string,
) => void;

const show = (items: TupleItem[]) => `(${items.map((i) => JSON.stringify(i)).join(",")})`;

export interface TerminalsSeen {
  /** sessionId -> its list record. */
  lists: Map<string, TerminalListRecord>;
  /** sessionId -> terminalId -> chunk numbers, in key order. */
  chunks: Map<string, Map<string, number[]>>;
}

export function newTerminalsSeen(): TerminalsSeen {
  return { lists: new Map(), chunks: new Map() };
}

/** The (t,"ws",sessionId,part,...) parts this module checks. */
export const TERMINAL_PARTS: ReadonlySet<string> = new Set(["terminals", "terminal_state"]);

/** Keeps a terminal key; `items` are its tuple items after (t,"ws"). */
export function collectTerminalKey(seen: TerminalsSeen, items: TupleItem[], value: Bytes): void {
  const [sid, part, terminalId, chunk] = items as [string, string, string, number];
  if (part === "terminals") {
    seen.lists.set(sid, JSON.parse(value.toString("utf8")) as TerminalListRecord);
    return;
  }
  let bySession = seen.chunks.get(sid);
  if (!bySession) {
    bySession = new Map();
    seen.chunks.set(sid, bySession);
  }
  const list = bySession.get(terminalId);
  if (list) list.push(chunk);
  else bySession.set(terminalId, [chunk]);
}

/** Checks one tenant's terminal keys against its sessions. */
export function checkTerminals(
  t: string,
  seen: TerminalsSeen,
  sessions: ReadonlySet<string>,
  report: Report,
): void {
  for (const sid of new Set([...seen.lists.keys(), ...seen.chunks.keys()])) {
    if (!sessions.has(sid)) {
      report("chunks_without_meta", show([t, "ws", sid, "terminals"]), "terminals of no session");
      continue;
    }
    const listed = new Map(seen.lists.get(sid)?.terminals.map((x) => [x.id, x.chunks]) ?? []);
    const stored = seen.chunks.get(sid) ?? new Map<string, number[]>();
    for (const [id, expected] of listed) {
      const have = stored.get(id) ?? [];
      if (have.length !== expected || have.some((n, i) => n !== i)) {
        report(
          "chunks_not_contiguous",
          show([t, "ws", sid, "terminal_state", id]),
          `list says ${expected} chunks, found [${have.join(",")}]`,
        );
      }
    }
    for (const id of stored.keys()) {
      if (!listed.has(id)) {
        report(
          "unknown_key",
          show([t, "ws", sid, "terminal_state", id]),
          "terminal not in the list",
        );
      }
    }
  }
}
