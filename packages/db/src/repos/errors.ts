/**
 * Typed domain errors. Repositories throw these; the API maps each `code` to one tRPC
 * code (NOT_FOUND, CONFLICT, PRECONDITION_FAILED, BAD_REQUEST, PAYLOAD_TOO_LARGE, FORBIDDEN).
 */
export type DomainErrorCode =
  | "NOT_FOUND"
  | "CONFLICT"
  | "LIMIT"
  | "VALIDATION"
  | "TOO_LARGE"
  | "FORBIDDEN";

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

export class NotFoundError extends DomainError {
  readonly code = "NOT_FOUND";
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} was not found`);
    this.name = "NotFoundError";
  }
}

export type ConflictReason =
  | "email_taken"
  | "stale_rev"
  | "already_exists"
  | "session_not_active"
  | "home_membership"
  | "tenant_not_active";

export class ConflictError extends DomainError {
  readonly code = "CONFLICT";
  readonly reason: ConflictReason;
  /** For stale_rev: the rev the record has now. */
  readonly currentRev?: number;

  constructor(reason: ConflictReason, message: string, opts?: { currentRev?: number }) {
    super(message);
    this.name = "ConflictError";
    this.reason = reason;
    if (opts?.currentRev !== undefined) this.currentRev = opts.currentRev;
  }
}

/** Rotating (or using) an auth session that is no longer active. */
export class SessionNotActiveError extends ConflictError {
  constructor(
    readonly sessionId: string,
    readonly tokenFamily: string,
    readonly status: "rotated" | "revoked",
    readonly rotatedTo?: string,
    readonly rotatedAt?: string,
  ) {
    super("session_not_active", `auth session ${sessionId} is ${status}`);
    this.name = "SessionNotActiveError";
  }
}

export type LimitName = "maxUsers" | "maxWorkspaces";

/** A plan limit was reached. */
export class LimitError extends DomainError {
  readonly code = "LIMIT";
  constructor(
    readonly limit: LimitName,
    readonly max: number,
  ) {
    super(`the plan allows at most ${max} ${limit === "maxUsers" ? "users" : "workspaces"}`);
    this.name = "LimitError";
  }
}

export class ValidationError extends DomainError {
  readonly code = "VALIDATION";
  constructor(message: string) {
    super(message);
    this.name = "ValidationError";
  }
}

/** What was to be written exceeds what one transaction may hold. */
export class PayloadTooLargeError extends DomainError {
  readonly code = "TOO_LARGE";
  constructor(message: string) {
    super(message);
    this.name = "PayloadTooLargeError";
  }
}

/** The record exists but belongs to someone else, who alone may change it. */
export class NotOwnerError extends DomainError {
  readonly code = "FORBIDDEN";
  constructor(message: string) {
    super(message);
    this.name = "NotOwnerError";
  }
}
