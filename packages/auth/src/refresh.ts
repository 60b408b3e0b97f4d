import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 32 random bytes = 256 bits, 43 characters of base64url. */
const SECRET_BYTES = 32;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export const REFRESH_COOKIE_NAME = "hearth_refresh";
export const REFRESH_COOKIE_PATH = "/api";
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

export interface RefreshTokenParts {
  sessionId: string;
  secret: string;
}

export interface NewRefreshToken extends RefreshTokenParts {
  /** `sessionId.secret`, handed to the client once and never stored. */
  token: string;
  /** SHA-256(secret) in hex: the only part that is stored. */
  secretHash: string;
}

/** A fresh refresh token for the AuthSession `sessionId`. */
export function createRefreshToken(sessionId: string): NewRefreshToken {
  if (!SESSION_ID_PATTERN.test(sessionId)) {
    throw new RangeError("Session ids are 1-64 characters of [A-Za-z0-9_-].");
  }
  const secret = randomBytes(SECRET_BYTES).toString("base64url");
  return { sessionId, secret, token: `${sessionId}.${secret}`, secretHash: hashSecret(secret) };
}

/** Splits `sessionId.secret`; null for anything that is not exactly that shape. */
export function parseRefreshToken(token: unknown): RefreshTokenParts | null {
  if (typeof token !== "string" || token.length > 200) return null;
  const dot = token.indexOf(".");
  if (dot < 0) return null;
  const sessionId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!SESSION_ID_PATTERN.test(sessionId) || !SECRET_PATTERN.test(secret)) return null;
  return { sessionId, secret };
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Constant-time check of a presented secret against a stored SHA-256 hex hash. */
export function secretMatchesHash(secret: string, storedHashHex: string): boolean {
  if (!SHA256_HEX.test(storedHashHex)) return false;
  const presented = createHash("sha256").update(secret, "utf8").digest();
  const stored = Buffer.from(storedHashHex, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export interface RefreshCookieOptions {
  /** Served over https: add `Secure`. */
  secure: boolean;
  /** Defaults to 30 days; every rotation sets it again, so the lifetime slides. */
  maxAgeSeconds?: number;
}

/** `Set-Cookie` value carrying the refresh token. */
export function serializeRefreshCookie(token: string, opts: RefreshCookieOptions): string {
  // The token is base64url plus a dot, so it needs no cookie escaping; refuse anything else.
  if (!parseRefreshToken(token)) throw new RangeError("Not a refresh token.");
  const maxAge = opts.maxAgeSeconds ?? REFRESH_TOKEN_TTL_SECONDS;
  return cookie(`${REFRESH_COOKIE_NAME}=${token}`, maxAge, opts.secure);
}

/** `Set-Cookie` value that removes the refresh cookie. */
export function clearRefreshCookie(opts: { secure: boolean }): string {
  return cookie(`${REFRESH_COOKIE_NAME}=`, 0, opts.secure);
}

function cookie(pair: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [pair, `Path=${REFRESH_COOKIE_PATH}`, `Max-Age=${maxAgeSeconds}`];
  if (maxAgeSeconds === 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  parts.push("HttpOnly", "SameSite=Lax");
  if (secure) parts.push("Secure");
  return parts.join("; ");
}

/** Name → value pairs of a `Cookie` request header (first occurrence of a name wins). */
export function parseCookieHeader(header: string | undefined | null): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const piece of header.split(";")) {
    const eq = piece.indexOf("=");
    if (eq < 0) continue;
    const name = piece.slice(0, eq).trim();
    let value = piece.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    if (name && !cookies.has(name)) {
      try {
        cookies.set(name, decodeURIComponent(value));
      } catch {
        cookies.set(name, value);
      }
    }
  }
  return cookies;
}

/** The refresh token from a `Cookie` header, or null when absent or malformed. */
export function readRefreshCookie(header: string | undefined | null): string | null {
  const token = parseCookieHeader(header).get(REFRESH_COOKIE_NAME);
  return token !== undefined && parseRefreshToken(token) ? token : null;
}
