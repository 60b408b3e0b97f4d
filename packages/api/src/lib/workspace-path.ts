import { constants, existsSync } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readlink, realpath } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { ValidationError } from "@hearth/db";
import { z } from "zod";
import { isKeySafe } from "./key-text";

const MAX_SEGMENT = 255;
const MAX_PATH = 1024;
// Control characters (NUL included) and backslashes never make a sensible folder name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const UNSAFE_CHAR = /[\u0000-\u001f\u007f\\]/;

/**
 * A workspace folder relative to the caller's own root (`<tenant>/<user>/`): one or more `/`-separated names,
 * none empty, `.` or `..`, nothing absolute, no NUL or control characters.
 */
export const ZWorkspacePath = z
  .string()
  .min(1, "A workspace needs a folder name.")
  .max(MAX_PATH, `Folder paths have at most ${MAX_PATH} characters.`)
  .refine((p) => !UNSAFE_CHAR.test(p), "Folder names cannot contain control characters or \\.")
  .refine(isKeySafe, "Folder names must be valid Unicode text.")
  .refine((p) => !p.startsWith("/"), "The folder must be relative to the workspace root.")
  .refine(
    (p) =>
      p
        .split("/")
        .every(
          (s) =>
            s.length > 0 && s.length <= MAX_SEGMENT && s !== "." && s !== ".." && s.trim() === s,
        ),
    "Each folder name must be non-empty, without leading or trailing spaces, and not . or ..",
  );

/** `<workspacesDir>/<tenantId>`: everything of one tenant lives below it. */
export function tenantWorkspaceRoot(workspacesDir: string, tenantId: string): string {
  return join(resolve(workspacesDir), tenantId);
}

/** `<workspacesDir>/<tenantId>/<userId>`: one member's own folders; no one else names them. */
export function userWorkspaceRoot(workspacesDir: string, tenantId: string, userId: string): string {
  return join(tenantWorkspaceRoot(workspacesDir, tenantId), userId);
}

/**
 * The absolute folder of a session, `<workspacesDir>/<tenant>/<owner>/<workspacePath>`:
 * always under its owner's root, whoever asks. Touches nothing on disk.
 */
export function workspaceFolderPath(
  workspacesDir: string,
  session: { tenantId: string; userId: string; workspacePath: string },
): string {
  return join(
    userWorkspaceRoot(workspacesDir, session.tenantId, session.userId),
    ...session.workspacePath.split("/"),
  );
}

const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY;
const OPEN_DIR_NOFOLLOW = OPEN_DIR | constants.O_NOFOLLOW;
// On Linux, `/proc/self/fd/<fd>/<name>` names `name` inside the directory the descriptor
// holds, whatever happens to the path that led there: mkdirat / openat for Node.
const PROC_FD = "/proc/self/fd";
const hasProcFd = existsSync(PROC_FD);

function refused(): ValidationError {
  return new ValidationError("The folder must stay inside your workspace root.");
}

function inTheWay(): ValidationError {
  return new ValidationError("That folder cannot be created: a file is in the way.");
}

/** mkdir that takes an existing entry (folder or not: the open after it decides). */
async function mkdirOnce(path: string): Promise<void> {
  try {
    await mkdir(path, { mode: 0o755 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    if (code === "ENOTDIR") throw inTheWay();
    if (code === "ENAMETOOLONG") throw new ValidationError("That folder name is too long.");
    throw err;
  }
}

/** Opens `path` as a directory, refusing a symlink in its last component. */
async function openNoFollow(path: string): Promise<FileHandle> {
  try {
    return await open(path, OPEN_DIR_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ELOOP: a symlink (O_NOFOLLOW); ENOTDIR: a file, or a symlink to one.
    if (code === "ELOOP") throw refused();
    if (code === "ENOTDIR" || code === "ENOENT") throw inTheWay();
    throw err;
  }
}

/**
 * Creates `names` one below the other under `base` (which must exist), each component by
 * itself: created if missing, then opened with O_NOFOLLOW and O_DIRECTORY through the
 * descriptor of its parent. A symlink anywhere on the way is refused, never followed, and
 * swapping a checked component for one afterwards does not redirect the walk, which holds
 * each directory open while it works below it.
 */
async function walkCreate(base: string, names: readonly string[]): Promise<void> {
  if (!hasProcFd) return walkCreateByPath(base, names);
  let dir = await open(base, OPEN_DIR);
  try {
    for (const name of names) {
      const at = `${PROC_FD}/${dir.fd}/${name}`;
      await mkdirOnce(at);
      const next = await openNoFollow(at);
      await dir.close();
      dir = next;
    }
  } finally {
    await dir.close();
  }
}

/** walkCreate where /proc is missing: lstat each component before going below it. */
async function walkCreateByPath(base: string, names: readonly string[]): Promise<void> {
  let path = base;
  for (const name of names) {
    path = join(path, name);
    await mkdirOnce(path);
    const st = await lstat(path);
    if (st.isSymbolicLink()) throw refused();
    if (!st.isDirectory()) throw inTheWay();
  }
}

/** The real path of each workspaces directory, made and resolved once: it is the operator's. */
const realBases = new Map<string, Promise<string>>();

function realBase(base: string): Promise<string> {
  let real = realBases.get(base);
  if (!real) {
    real = mkdir(base, { recursive: true }).then(() => realpath(base));
    real.catch(() => realBases.delete(base));
    realBases.set(base, real);
  }
  return real;
}

/**
 * Whether `target` is a directory whose real path is exactly `expected`: opened with
 * O_NOFOLLOW | O_DIRECTORY (no link at the end), and the path its descriptor holds spells
 * the same names (so no link on the way either: a link only resolves to where it sits by
 * looping, which the open refuses). Three calls instead of three per component; any other
 * outcome is left to the walk, which says what is wrong.
 */
async function isPlainFolder(target: string, expected: string): Promise<boolean> {
  if (!hasProcFd) return false;
  let dir: FileHandle;
  try {
    dir = await open(target, OPEN_DIR_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    return (await readlink(`${PROC_FD}/${dir.fd}`)) === expected;
  } finally {
    await dir.close();
  }
}

/**
 * Creates (if missing) the session folder `relativePath` under the user's own root,
 * `<workspacesDir>/<tenantId>/<userId>/`, and returns its absolute path. The tenant and user
 * folders and every component of `relativePath` are walked one by one, and a symlink on
 * the way is refused (BAD_REQUEST) rather than followed, so no folder name, and no link
 * planted from a terminal, leads outside the user's root. A folder that is already there
 * with no link on its way is recognised in three calls (isPlainFolder), not walked.
 */
export async function ensureWorkspaceFolder(
  workspacesDir: string,
  tenantId: string,
  userId: string,
  relativePath: string,
): Promise<string> {
  const base = resolve(workspacesDir);
  const names = relativePath.split("/");
  if (names.some((n) => n === "" || n === "." || n === ".." || n.includes("\u0000"))) {
    throw refused();
  }
  const target = join(base, tenantId, userId, ...names);
  if (!target.startsWith(userWorkspaceRoot(base, tenantId, userId) + sep)) throw refused();
  // The operator's directory itself may be a symlink (a mounted volume): it is trusted.
  const real = await realBase(base);
  if (await isPlainFolder(target, join(real, tenantId, userId, ...names))) return target;
  await mkdir(base, { recursive: true });
  await walkCreate(base, [tenantId, userId, ...names]);
  return target;
}
