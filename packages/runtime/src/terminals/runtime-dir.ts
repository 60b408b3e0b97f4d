import { lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const PREFIX = "hearth-terminals-";
const OWNED = /^hearth-terminals-(\d+)-/;

/**
 * A new folder for this server's terminals' own files (rcfiles, passwd), named with the
 * process id so that a later server can tell a live server's folder from one whose server
 * died without closing (kill -9, a lost machine); those are removed first.
 */
export function makeRuntimeDir(tmp = os.tmpdir()): string {
  sweepAbandonedRuntimeDirs(tmp);
  return mkdtempSync(path.join(tmp, `${PREFIX}${process.pid}-`));
}

/**
 * Removes the terminal folders in `tmp` that this user's servers left behind: each named
 * with a process id that no longer runs. Another user's folders, and a live process's
 * (whatever it is), are left alone. Answers how many were removed.
 */
export function sweepAbandonedRuntimeDirs(tmp = os.tmpdir()): number {
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = Number(OWNED.exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || running(pid)) continue;
    const dir = path.join(tmp, name);
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory() || st.uid !== process.getuid?.()) continue;
      rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      // Gone meanwhile, or not ours to remove: either way nothing to do.
    }
  }
  return removed;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
