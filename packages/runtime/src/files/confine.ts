/**
 * Confinement of workspace-relative paths to a workspace folder. Every argument is checked
 * on its resolved real path: each name is looked at with lstat, and a symlink (in the
 * middle or at the end, existing target or not) is followed to where it leads before
 * anything is touched. Refusals are FileError("invalid") with a sentence.
 */
import { lstat, readlink, realpath } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { FileError, isErrno } from "./errors";

/** Linux's NAME_MAX and PATH_MAX, in bytes of UTF-8. */
export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;
const MAX_LINK_HOPS = 40;

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const CONTROL = /[\u0001-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const WINDOWS_ABSOLUTE = /^[A-Za-z]:[\\/]/;

function invalid(message: string): FileError {
  return new FileError("invalid", message);
}

/**
 * The names of a workspace-relative path ("" and "." are the folder itself; empty and "."
 * names are skipped), or a refusal saying what is wrong with it.
 */
export function parseRelativePath(path: string): string[] {
  if (typeof path !== "string") throw invalid("A file path must be text.");
  if (path.includes("\u0000")) throw invalid("File paths cannot contain NUL bytes.");
  if (LONE_SURROGATE.test(path)) throw invalid("File paths must be valid Unicode text.");
  if (Buffer.byteLength(path, "utf8") > MAX_PATH_BYTES) {
    throw invalid(`File paths have at most ${MAX_PATH_BYTES} bytes.`);
  }
  if (path.startsWith("/") || path.startsWith("\\") || WINDOWS_ABSOLUTE.test(path)) {
    throw invalid("Paths are relative to the workspace folder; absolute paths are refused.");
  }
  if (CONTROL.test(path)) throw invalid("File names cannot contain control characters.");
  const names: string[] = [];
  for (const name of path.split("/")) {
    if (name === "" || name === ".") continue;
    if (name === "..") throw invalid("Paths cannot use .. to leave a folder.");
    if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) {
      throw invalid(`File names have at most ${MAX_NAME_BYTES} bytes.`);
    }
    names.push(name);
  }
  return names;
}

export function isInside(rootReal: string, p: string): boolean {
  return p === rootReal || p.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
}

export interface ResolvedPath {
  /** The normalized workspace-relative path ("" for the folder itself). */
  rel: string;
  /** The path with every parent folder resolved and the last name as given: a symlink
   * named here is the link itself (what rename and delete act on). */
  path: string;
  /** Where reads and writes land: the real path, or where a new file would be created. */
  real: string;
  /** Whether something exists at `real`. */
  exists: boolean;
}

function outside(rel: string): FileError {
  return invalid(`"${rel}" leads outside the workspace folder through a symlink.`);
}

/** The real path of the nearest existing ancestor of `abs`, with the missing names after it. */
async function realOfMissing(abs: string): Promise<string> {
  const rest: string[] = [];
  let at = abs;
  for (;;) {
    try {
      return join(await realpath(at), ...rest.reverse());
    } catch (err) {
      if (!isErrno(err, "ENOENT", "ENOTDIR") || dirname(at) === at) throw err;
      rest.push(basename(at));
      at = dirname(at);
    }
  }
}

/**
 * Where the symlink at `link` leads, even when its target does not exist yet: a dangling
 * link is followed by hand, so a file written through it later cannot land outside.
 */
async function linkTarget(link: string): Promise<{ real: string; exists: boolean }> {
  try {
    return { real: await realpath(link), exists: true };
  } catch (err) {
    if (isErrno(err, "ELOOP")) throw invalid("That path goes round a loop of symlinks.");
    if (!isErrno(err, "ENOENT", "ENOTDIR")) throw err;
  }
  let at = link;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const next = resolve(dirname(at), await readlink(at));
    let isLink: boolean;
    try {
      isLink = (await lstat(next)).isSymbolicLink();
    } catch (err) {
      if (!isErrno(err, "ENOENT", "ENOTDIR")) throw err;
      return { real: await realOfMissing(next), exists: false };
    }
    if (!isLink) return { real: await realpath(next), exists: true };
    at = next;
  }
  throw invalid("That path goes round a loop of symlinks.");
}

/**
 * Resolves `relPath` inside the folder whose real path is `rootReal`, refusing anything
 * that is malformed or leads outside it. Touches nothing.
 */
export async function resolveInside(rootReal: string, relPath: string): Promise<ResolvedPath> {
  const names = parseRelativePath(relPath);
  const rel = names.join("/");
  let cur = rootReal;
  for (let i = 0; i < names.length; i++) {
    const next = join(cur, names[i]!);
    const rest = names.slice(i + 1);
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(next);
    } catch (err) {
      if (isErrno(err, "ENOENT")) {
        const missing = join(next, ...rest);
        return { rel, path: missing, real: missing, exists: false };
      }
      if (isErrno(err, "ENOTDIR")) throw notAFolder(names.slice(0, i));
      if (isErrno(err, "ENAMETOOLONG")) throw invalid("That path is too long for this system.");
      throw err;
    }
    if (st.isSymbolicLink()) {
      const target = await linkTarget(next);
      if (!isInside(rootReal, target.real)) throw outside(rel);
      if (rest.length === 0) return { rel, path: next, real: target.real, exists: target.exists };
      if (!target.exists) {
        const missing = join(target.real, ...rest);
        return { rel, path: join(next, ...rest), real: missing, exists: false };
      }
      cur = target.real;
    } else {
      if (rest.length > 0 && !st.isDirectory()) throw notAFolder(names.slice(0, i + 1));
      cur = next;
    }
  }
  // The last name is no symlink (that returned above), so its path is its real path.
  return { rel, path: cur, real: cur, exists: true };
}

function notAFolder(names: string[]): FileError {
  return invalid(`"${names.join("/")}" is a file, not a folder.`);
}
