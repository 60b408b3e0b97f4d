/**
 * What a file operation refuses, as a kind the API maps to one tRPC code each and a
 * sentence a person can act on.
 */
export type FileErrorKind =
  /** The path is refused (traversal, absolute, NUL, too long, leads outside): BAD_REQUEST. */
  | "invalid"
  /** Nothing at that path: NOT_FOUND. */
  | "not_found"
  /** Changed on disk since it was read, or something is in the way: CONFLICT. */
  | "conflict"
  /** Over the size a file may have: PAYLOAD_TOO_LARGE. */
  | "too_large"
  /** Over a limit of the server (the copy cap of a fork): PRECONDITION_FAILED. */
  | "limit";

export class FileError extends Error {
  override readonly name = "FileError";
  /** For a stale write: the file's modification time now (null when it was deleted). */
  readonly currentMtimeMs?: number | null;
  /** For a limit: its name and value. */
  readonly limit?: { name: string; max: number };

  constructor(
    readonly kind: FileErrorKind,
    message: string,
    extra?: { currentMtimeMs?: number | null; limit?: { name: string; max: number } },
  ) {
    super(message);
    if (extra?.currentMtimeMs !== undefined) this.currentMtimeMs = extra.currentMtimeMs;
    if (extra?.limit) this.limit = extra.limit;
  }
}

/**
 * What the operating system refused, as a FileError a person can act on: a file the
 * server may not read or change (its mode, set from a terminal), a read-only or full
 * disk. Anything else is returned as it was (a bug: the server logs it).
 */
export function explainErrno(err: unknown, path: string): unknown {
  if (err instanceof FileError) return err;
  const shown = path === "" ? "the workspace folder" : `"${path}"`;
  if (isErrno(err, "EACCES", "EPERM")) {
    return new FileError(
      "invalid",
      `The server may not read or change ${shown}: permission denied.`,
    );
  }
  if (isErrno(err, "EROFS")) {
    const subject = path === "" ? "The workspace folder" : shown;
    return new FileError("invalid", `${subject} is on a read-only file system.`);
  }
  if (isErrno(err, "ENOSPC", "EDQUOT")) {
    return new FileError("limit", "The server's disk has no space left for this change.", {
      limit: { name: "diskSpace", max: 0 },
    });
  }
  return err;
}

export function isErrno(err: unknown, ...codes: string[]): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && codes.includes(code);
}
