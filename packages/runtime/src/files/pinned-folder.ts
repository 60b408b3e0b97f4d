/**
 * A folder held open while an operation works in it. Its entries are named through
 * `/proc/self/fd/<fd>/<name>` (Linux's openat for Node), so a folder on the way that is
 * swapped for a symlink after the path was checked — from a terminal, say — redirects
 * nothing; and where the folder really is comes from the kernel once it is open.
 */
import { constants, existsSync } from "node:fs";
import { type FileHandle, open, readlink } from "node:fs/promises";
import { isInside } from "./confine";
import { FileError, isErrno } from "./errors";

const PROC_FD = "/proc/self/fd";
const hasProcFd = existsSync(PROC_FD);

export function leadsOutside(rel: string): FileError {
  return new FileError("invalid", `"${rel}" leads outside the workspace folder through a symlink.`);
}

/** Refuses a descriptor the kernel says is outside `rootReal` (skipped without /proc). */
export async function assertOpenedInside(
  fh: FileHandle,
  rootReal: string,
  rel: string,
): Promise<void> {
  if (!hasProcFd) return;
  let where: string;
  try {
    where = await readlink(`${PROC_FD}/${fh.fd}`);
  } catch {
    return;
  }
  if (!isInside(rootReal, where)) throw leadsOutside(rel);
}

export class PinnedFolder {
  private constructor(
    private readonly fh: FileHandle,
    private readonly base: string,
  ) {}

  /** Opens the folder `folder` (refused unless it is inside `rootReal` once open). */
  static async open(rootReal: string, folder: string, rel: string): Promise<PinnedFolder> {
    let fh: FileHandle;
    try {
      fh = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch (err) {
      if (isErrno(err, "ENOENT")) {
        throw new FileError("not_found", `Nothing exists at "${rel}" in this workspace.`);
      }
      if (isErrno(err, "ENOTDIR")) throw new FileError("invalid", `"${rel}" is not a folder.`);
      throw err;
    }
    try {
      await assertOpenedInside(fh, rootReal, rel);
    } catch (err) {
      await fh.close();
      throw err;
    }
    return new PinnedFolder(fh, hasProcFd ? `${PROC_FD}/${fh.fd}` : folder);
  }

  /** The path of the entry `name` in this folder, or of the folder itself. */
  at(name?: string): string {
    return name === undefined ? this.base : `${this.base}/${name}`;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Runs `fn` with `folder` held open (see PinnedFolder), closing it after. */
export async function inFolder<T>(
  rootReal: string,
  folder: string,
  rel: string,
  fn: (dir: PinnedFolder) => Promise<T>,
): Promise<T> {
  const dir = await PinnedFolder.open(rootReal, folder, rel);
  try {
    return await fn(dir);
  } finally {
    await dir.close();
  }
}
