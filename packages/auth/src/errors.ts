/**
 * A refused sign-in or token: bad credentials, or a missing, expired, revoked or reused
 * token. The API maps it to UNAUTHORIZED. The message is the same whatever part failed,
 * so an attacker learns nothing from it.
 */
export class AuthError extends Error {
  readonly code = "UNAUTHORIZED";

  constructor(message = "You are not signed in, or your credentials are not valid.") {
    super(message);
    this.name = "AuthError";
  }
}
