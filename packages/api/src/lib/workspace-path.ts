import { mkdir, realpath } from "node:fs/promises";
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
 * A workspace folder relative to the tenant's root: one or more `/`-separated names,
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

/**
 * Creates the workspace folder (if missing) under the tenant's root and returns its
 * absolute path. The real path is checked after creation so a symlink planted inside the
 * tenant's folder cannot lead the workspace outside it.
 */
export async function ensureWorkspaceFolder(
  workspacesDir: string,
  tenantId: string,
  relativePath: string,
): Promise<string> {
  const root = tenantWorkspaceRoot(workspacesDir, tenantId);
  const target = resolve(root, relativePath);
  if (!target.startsWith(root + sep)) {
    throw new ValidationError("The folder must stay inside the workspace root.");
  }
  try {
    await mkdir(target, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A file (not a folder) already sits on the path: the caller chose a bad name.
    if (code === "ENOTDIR" || code === "EEXIST" || code === "ENAMETOOLONG") {
      throw new ValidationError("That folder cannot be created: a file is in the way.");
    }
    throw err;
  }
  const [realRoot, realTarget] = await Promise.all([realpath(root), realpath(target)]);
  if (!realTarget.startsWith(realRoot + sep)) {
    throw new ValidationError("The folder must stay inside the workspace root.");
  }
  return target;
}
