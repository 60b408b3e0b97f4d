import { createHash, randomBytes } from "node:crypto";

export const EMAIL_TOKEN_TTL_MS = 60 * 60 * 1000;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface NewEmailToken {
  /** Mailed to the user inside a link; never stored. */
  token: string;
  /** SHA-256(token) in hex, the stored lookup key. */
  tokenHash: string;
}

/** A single-use token for an email link: 256 random bits, only its hash kept. */
export function createEmailToken(): NewEmailToken {
  const token = randomBytes(32).toString("base64url");
  return { token, tokenHash: hashEmailToken(token) };
}

/**
 * The stored hash of a presented token, or null when the input cannot be one of ours.
 * The token has 256 bits of entropy, so looking it up by its hash leaks nothing useful.
 */
export function emailTokenHashOf(token: unknown): string | null {
  if (typeof token !== "string" || !TOKEN_PATTERN.test(token)) return null;
  return hashEmailToken(token);
}

function hashEmailToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
