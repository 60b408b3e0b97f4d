import type { Repositories } from "./repositories";

/** A fork whose copy started this long ago and never finished was abandoned. */
export const ABANDONED_FORK_AGE_MS = 15 * 60_000;
const SWEEP_EVERY_MS = 60 * 60_000;

interface SweepLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Removes the half-copied forks a crash or a lost request left behind. A fork copies in
 * bounded transactions and stays invisible until its last step, so what an interrupted
 * copy wrote is only wasted space; it is cleared once at start and then every hour.
 * Only copies older than ABANDONED_FORK_AGE_MS go, so a copy another server is still
 * making on the same cluster is left alone.
 */
export async function sweepAbandonedForks(repos: Repositories, now = new Date()): Promise<number> {
  const startedBefore = new Date(now.getTime() - ABANDONED_FORK_AGE_MS);
  let removed = 0;
  let cursor: string | undefined;
  do {
    const page = await repos.tenants.listActive({ limit: 100, cursor });
    for (const tenant of page.items) {
      removed += await repos.workspaceSessions.removeUnfinishedForks(tenant.id, startedBefore);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return removed;
}

/** Starts the sweep; the returned function stops it. */
export function startForkSweeper(repos: Repositories, log?: SweepLog): () => void {
  const sweep = () => {
    sweepAbandonedForks(repos).then(
      (n) => n > 0 && log?.info({ removed: n }, "removed abandoned fork copies"),
      (err) => log?.error({ err }, "sweeping abandoned fork copies failed"),
    );
  };
  const first = setTimeout(sweep, 1_000);
  const every = setInterval(sweep, SWEEP_EVERY_MS);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
