/** A workspace folder copied for a fork, refused whole when it is over a size cap. */
import { cp, lstat, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { FileError, isErrno } from "./errors";

/** The copy cap of a fork's folder (HEARTH_MAX_FORK_COPY_BYTES). */
export const DEFAULT_MAX_COPY_BYTES = 200 * 1024 * 1024;

/**
 * The bytes of the files under `folder` (symlinks count as links, not followed); stops
 * counting once past `stopAbove`, since the caller only needs to know that.
 */
export async function folderBytes(folder: string, stopAbove = Number.POSITIVE_INFINITY) {
  let total = 0;
  const pending = [folder];
  while (pending.length > 0 && total <= stopAbove) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (isErrno(err, "ENOENT")) continue;
      throw err;
    }
    for (const name of names) {
      const abs = join(dir, name);
      const st = await lstat(abs).catch(() => null);
      if (!st) continue;
      if (st.isDirectory()) pending.push(abs);
      else total += st.size;
    }
  }
  return total;
}

/**
 * Copies the folder `from` to the new folder `to` (which must not exist), symlinks as
 * links. Over `maxBytes` it is refused before anything is made; a copy that fails midway
 * is removed.
 */
export async function copyFolder(
  from: string,
  to: string,
  opts: { maxBytes?: number } = {},
): Promise<{ bytes: number }> {
  const max = opts.maxBytes ?? DEFAULT_MAX_COPY_BYTES;
  const bytes = await folderBytes(from, max);
  if (bytes > max) {
    throw new FileError(
      "limit",
      `The workspace folder holds more than ${max} bytes, the most a fork copies (maxForkCopyBytes).`,
      { limit: { name: "maxForkCopyBytes", max } },
    );
  }
  await mkdir(dirname(to), { recursive: true });
  try {
    await mkdir(to);
  } catch (err) {
    if (isErrno(err, "EEXIST"))
      throw new FileError("conflict", "The fork's folder already exists.");
    throw err;
  }
  try {
    await cp(from, to, {
      recursive: true,
      verbatimSymlinks: true,
      errorOnExist: true,
      force: false,
    });
  } catch (err) {
    await rm(to, { recursive: true, force: true });
    throw err;
  }
  return { bytes };
}
