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

/**
 * A flow that exists to send mail (a reset link, a new verification link) on a server that
 * sends none: no SMTP is configured, and logging mail is not allowed there.
 */
export class MailOffError extends Error {
  constructor(
    message = "This server does not send mail (no SMTP is configured), so it cannot mail you a link. Ask its operator.",
  ) {
    super(message);
    this.name = "MailOffError";
  }
}
