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

export function isErrno(err: unknown, ...codes: string[]): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && codes.includes(code);
}
