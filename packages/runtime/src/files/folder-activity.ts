/**
 * Word, within this process, that files in a folder may have changed behind Hearth's back:
 * a terminal's command finished there. Each folder has a count of such reports; quick
 * open's index of a folder remembers the count it was built at and walks the folder again
 * before answering once the count has moved, so a file made by `touch` shows at the next
 * keystroke rather than after the index's periodic refresh. A count, not listeners: an
 * index dropped from a cache leaves nothing subscribed behind.
 */
import path from "node:path";

const counts = new Map<string, number>();

/** Reports that files in `folder` (or below it) may have changed. */
export function reportFolderActivity(folder: string): void {
  const key = path.resolve(folder);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** How many reports `folder` has had in this process. */
export function folderActivity(folder: string): number {
  return counts.get(path.resolve(folder)) ?? 0;
}
