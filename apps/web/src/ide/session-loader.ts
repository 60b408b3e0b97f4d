import { authSession } from "../lib/session";
import type { PendingSave } from "./autosave/autosave";
import { indexedDbPending } from "./autosave/browser";
import { type FsReadAnswer, type ReadFile, readFileOf } from "./file-tree/files";
import type { WorkspaceSession } from "./state/types";

export interface SessionLoad {
  session: Promise<WorkspaceSession>;
  pending: Promise<PendingSave | undefined>;
  /** Reads of the files the restored editors show first, started with the session's. */
  files: Map<string, Promise<ReadFile | null>>;
}

/** A tRPC query over plain HTTP (no transformer), with the in-memory access token. */
async function query<T>(path: string, input: unknown): Promise<T> {
  const token = await authSession().accessToken();
  const res = await fetch(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const body = (await res.json()) as {
    result?: { data: T };
    error?: { message?: string; data?: { code?: string } };
  };
  if (!res.ok || !body.result) {
    const error = new Error(body.error?.message ?? `${path} answered ${res.status}`);
    (error as Error & { code?: string }).code = body.error?.data?.code;
    throw error;
  }
  return body.result.data;
}

let current: { id: string; load: SessionLoad } | null = null;

/**
 * Starts everything a workspace's page needs from the server and the browser at once —
 * the sign-in's renewal, workspace.get, the unsent autosave kept in IndexedDB, then the
 * files the editors show — while the editor's code is still loading and compiling.
 */
export function loadSession(id: string): SessionLoad {
  if (current?.id === id) return current.load;
  const files = new Map<string, Promise<ReadFile | null>>();
  const session = authSession()
    .restore()
    .then(() => query<WorkspaceSession>("workspace.get", { id }))
    .then((s) => {
      const { openTabs, activeTabIndex, otherActiveTabIndex } = s.editor as {
        openTabs: { path: string }[];
        activeTabIndex: number;
        otherActiveTabIndex?: number;
      };
      for (const index of [activeTabIndex, otherActiveTabIndex ?? -1]) {
        const path = openTabs[index]?.path;
        if (!path || path in s.buffers || files.has(path)) continue;
        const read = query<FsReadAnswer>("fs.read", { workspaceId: id, path }).then(
          readFileOf,
          () => null,
        );
        files.set(path, read);
      }
      return s;
    });
  const pending = indexedDbPending()
    .get(id)
    .catch(() => undefined);
  const load = { session, pending, files };
  current = { id, load };
  // A failed load (signed out, offline) is not kept: the page, once it may, loads afresh.
  session.catch(() => {
    if (current?.load === load) current = null;
  });
  return load;
}

/** Hands the load over once (a later visit of the page loads afresh). */
export function takeSessionLoad(id: string): SessionLoad {
  const load = loadSession(id);
  current = null;
  return load;
}
