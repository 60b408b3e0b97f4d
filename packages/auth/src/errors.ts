/**
 * Why an auth flow refused. The API maps every code to one tRPC code; messages are the
 * same plain sentence whatever part failed, so an attacker learns nothing from them.
 */
export type AuthErrorCode =
  /** Bad credentials, or a missing / expired / revoked / reused token → UNAUTHORIZED. */
  | "UNAUTHORIZED"
  /** An email link's token is unknown, used or expired → BAD_REQUEST. */
  | "INVALID_TOKEN"
  /** The new password breaks the policy → BAD_REQUEST. */
  | "WEAK_PASSWORD";

const MESSAGES: Record<AuthErrorCode, string> = {
  UNAUTHORIZED: "You are not signed in, or your credentials are not valid.",
  INVALID_TOKEN: "This link is not valid any more. Ask for a new one.",
  WEAK_PASSWORD: "Passwords have 8 to 256 characters.",
};

export class AuthError extends Error {
  readonly code: AuthErrorCode;

  constructor(code: AuthErrorCode, message: string = MESSAGES[code]) {
    super(message);
    this.name = "AuthError";
    this.code = code;
  }
}

export function isAuthError(err: unknown): err is AuthError {
  return err instanceof AuthError;
}
