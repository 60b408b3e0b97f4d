import { AuthError, MailOffError } from "@hearth/auth";
import { DomainError, LimitError, StoreError } from "@hearth/db";
import {
  FileError,
  type FileErrorKind,
  TerminalError,
  type TerminalErrorCode,
} from "@hearth/runtime";
import { TRPCError } from "@trpc/server";

/**
 * Domain errors of the api itself. Repositories (@hearth/db: NotFoundError, ConflictError,
 * LimitError, ValidationError, PayloadTooLargeError) and the auth flows (@hearth/auth:
 * AuthError) throw their own; toTRPCError maps all of them in one place.
 */
export class ForbiddenError extends Error {
  override readonly name = "ForbiddenError";
}

export class ThrottledError extends Error {
  override readonly name = "ThrottledError";
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many attempts. Try again in ${retryAfterSeconds} seconds.`);
  }
}

type Code = TRPCError["code"];

const CODE_OF_DOMAIN: Record<DomainError["code"], Code> = {
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  LIMIT: "PRECONDITION_FAILED",
  VALIDATION: "BAD_REQUEST",
  TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FORBIDDEN: "FORBIDDEN",
};

const CODE_OF_FILE_ERROR: Record<FileErrorKind, Code> = {
  invalid: "BAD_REQUEST",
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  too_large: "PAYLOAD_TOO_LARGE",
  limit: "PRECONDITION_FAILED",
};

const CODE_OF_TERMINAL_ERROR: Record<TerminalErrorCode, Code> = {
  NOT_FOUND: "NOT_FOUND",
  LIMIT: "PRECONDITION_FAILED",
  UNAVAILABLE: "PRECONDITION_FAILED",
  READ_ONLY: "FORBIDDEN",
};

/** FoundationDB's size refusals: the request carried more than the store takes. */
const TOO_LARGE_STORE_CODES = new Set([2101, 2102, 2103]);

/** Repository messages are lower-case fragments; callers get sentences. */
function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

function limitSentence(err: LimitError): string {
  const what = err.limit === "maxUsers" ? "members" : "workspaces";
  return `Your plan allows at most ${err.max} ${what} (${err.limit}), and that limit is reached.`;
}

/** The tRPC error for a known domain error, or null for anything else (a bug: 500). */
export function toTRPCError(err: unknown): TRPCError | null {
  if (err instanceof TRPCError) return err;
  if (err instanceof LimitError) {
    return new TRPCError({ code: "PRECONDITION_FAILED", message: limitSentence(err), cause: err });
  }
  if (err instanceof DomainError) {
    return new TRPCError({
      code: CODE_OF_DOMAIN[err.code],
      message: sentence(err.message),
      cause: err,
    });
  }
  if (err instanceof FileError) {
    return new TRPCError({ code: CODE_OF_FILE_ERROR[err.kind], message: err.message, cause: err });
  }
  if (err instanceof TerminalError) {
    return new TRPCError({
      code: CODE_OF_TERMINAL_ERROR[err.code],
      message: err.message,
      cause: err,
    });
  }
  if (err instanceof AuthError) {
    return new TRPCError({ code: "UNAUTHORIZED", message: err.message, cause: err });
  }
  if (err instanceof MailOffError) {
    return new TRPCError({ code: "PRECONDITION_FAILED", message: err.message, cause: err });
  }
  if (err instanceof ForbiddenError) {
    return new TRPCError({ code: "FORBIDDEN", message: err.message, cause: err });
  }
  if (err instanceof ThrottledError) {
    return new TRPCError({ code: "TOO_MANY_REQUESTS", message: err.message, cause: err });
  }
  if (err instanceof StoreError && TOO_LARGE_STORE_CODES.has(err.code)) {
    return new TRPCError({
      code: "PAYLOAD_TOO_LARGE",
      message: "That is more data than one save can hold.",
      cause: err,
    });
  }
  return null;
}

/** Fields of a domain error that callers act on, put into `error.data`. */
export interface DomainErrorData {
  /** CONFLICT on a stale baseRev: the rev to rebase on. */
  currentRev?: number;
  /** TOO_MANY_REQUESTS: seconds until the next attempt may succeed. */
  retryAfterSeconds?: number;
  /** PRECONDITION_FAILED: the plan limit reached and its value. */
  limit?: string;
  max?: number;
  /** CONFLICT on a stale fs.write: the file's mtime now (null: deleted on disk). */
  currentMtimeMs?: number | null;
}

export function domainErrorData(err: unknown): DomainErrorData {
  const cause = err instanceof TRPCError ? err.cause : err;
  const data: DomainErrorData = {};
  if (cause instanceof ThrottledError) data.retryAfterSeconds = cause.retryAfterSeconds;
  if (cause instanceof LimitError) {
    data.limit = cause.limit;
    data.max = cause.max;
  }
  if (cause instanceof FileError) {
    if (cause.currentMtimeMs !== undefined) data.currentMtimeMs = cause.currentMtimeMs;
    if (cause.limit) {
      data.limit = cause.limit.name;
      data.max = cause.limit.max;
    }
  }
  const rev = (cause as { currentRev?: unknown } | undefined)?.currentRev;
  if (cause instanceof DomainError && typeof rev === "number") data.currentRev = rev;
  return data;
}
