/**
 * checkConsistency's part for the files model: every file record belongs to an existing
 * session, a record opened at some time has both recency entries at that time, and every
 * recency entry has its record.
 */
import type { TupleItem } from "fdb-tuple";
import type { Bytes } from "./store/types";

type Report = (
  kind: "index_without_record" | "record_without_index",
  key: string,
  message: string,
) => void;

const SEP = "\u0000";
const j = (...parts: Array<string | number>) => parts.join(SEP);
const show = (items: TupleItem[]) => `(${items.map((i) => JSON.stringify(i)).join(",")})`;

export interface FilesSeen {
  /** j(sessionId, path) -> lastOpenedAt in ms, or null. */
  records: Map<string, number | null>;
  /** j(sessionId, ms, path) */
  opened: Set<string>;
  /** j(ownerId, ms, sessionId, path) */
  recent: Set<string>;
}

export function newFilesSeen(): FilesSeen {
  return { records: new Map(), opened: new Set(), recent: new Set() };
}

/** Keeps a key of the files model; `items` are its tuple items after the tenant id. */
export function collectFileKey(seen: FilesSeen, items: TupleItem[], value: Bytes): void {
  const [space, a, b, c, d] = items as [string, string, unknown, unknown, unknown];
  if (space === "files") {
    const rec = JSON.parse(value.toString("utf8")) as { lastOpenedAt: string | null };
    seen.records.set(j(a, b as string), rec.lastOpenedAt ? Date.parse(rec.lastOpenedAt) : null);
  } else if (space === "files_opened") {
    seen.opened.add(j(a, b as number, c as string));
  } else {
    seen.recent.add(j(a, b as number, c as string, d as string));
  }
}

export const FILE_SPACES: ReadonlySet<string> = new Set(["files", "files_opened", "files_recent"]);

/** Checks one tenant's file keys against its sessions (id -> owner). */
export function checkFiles(
  t: string,
  seen: FilesSeen,
  owners: ReadonlyMap<string, string>,
  report: Report,
): void {
  for (const [key, ms] of seen.records) {
    const [sid, path] = key.split(SEP) as [string, string];
    const owner = owners.get(sid);
    if (owner === undefined) {
      report("index_without_record", show([t, "files", sid, path]), "file of no session");
      continue;
    }
    if (ms === null) continue;
    if (!seen.opened.has(j(sid, ms, path))) {
      report("record_without_index", show([t, "files", sid, path]), "missing files_opened entry");
    }
    if (!seen.recent.has(j(owner, ms, sid, path))) {
      report("record_without_index", show([t, "files", sid, path]), "missing files_recent entry");
    }
  }
  for (const key of seen.opened) {
    const [sid, ms, path] = key.split(SEP) as [string, string, string];
    if (seen.records.get(j(sid, path)) !== Number(ms)) {
      report(
        "index_without_record",
        show([t, "files_opened", sid, Number(ms), path]),
        "no file record opened at this time",
      );
    }
  }
  for (const key of seen.recent) {
    const [owner, ms, sid, path] = key.split(SEP) as [string, string, string, string];
    if (owners.get(sid) !== owner || seen.records.get(j(sid, path)) !== Number(ms)) {
      report(
        "index_without_record",
        show([t, "files_recent", owner, Number(ms), sid, path]),
        "no file of this owner's session opened at this time",
      );
    }
  }
}
