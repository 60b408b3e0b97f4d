import { webcrypto } from "node:crypto";
import { type Role, ZRole } from "@hearth/db";
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";

export const ACCESS_TOKEN_MAX_TTL_SECONDS = 15 * 60;
export const DEFAULT_ISSUER = "hearth";
export const DEFAULT_AUDIENCE = "hearth";

/** What an access token says about its bearer. */
export interface AccessTokenSubject {
  /** User id. */
  sub: string;
  /** Tenant the token acts in. */
  tid: string;
  /** AuthSession id (the refresh token it was issued with). */
  sid: string;
  /** Token family: one sign-in on one device. */
  fam: string;
  role: Role;
}

export interface AccessTokenClaims extends AccessTokenSubject {
  iss: string;
  aud: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

export interface SignedAccessToken {
  accessToken: string;
  expiresAt: Date;
}

export interface AccessTokenSigner {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  sign(subject: AccessTokenSubject): Promise<SignedAccessToken>;
  /** The token's claims, or null for anything not signed by us, expired or malformed. */
  verify(token: string): Promise<Readonly<AccessTokenClaims> | null>;
}

export interface AccessTokenSignerOptions {
  /** HS256 secret (see loadJwtSecret). */
  secret: Uint8Array;
  issuer?: string;
  audience?: string;
  /** Lifetime, at most 15 minutes (the default). */
  ttlSeconds?: number;
  /** Injected for tests; defaults to the wall clock. */
  now?: () => Date;
  /**
   * Tokens remembered after a successful verification (default 10,000; 0 turns it off).
   * Keyed by the whole token string, so only that exact token is recognised; expiry is
   * still checked on every use.
   */
  verifiedCacheSize?: number;
}

const idClaim = z.string().min(1).max(200);
const ZClaims = z.object({
  sub: idClaim,
  tid: idClaim,
  sid: idClaim,
  fam: idClaim,
  role: ZRole,
  iss: z.string(),
  aud: z.string(),
  iat: z.number().int(),
  exp: z.number().int(),
});

export async function createAccessTokenSigner(
  opts: AccessTokenSignerOptions,
): Promise<AccessTokenSigner> {
  const issuer = opts.issuer ?? DEFAULT_ISSUER;
  const audience = opts.audience ?? DEFAULT_AUDIENCE;
  const ttlSeconds = opts.ttlSeconds ?? ACCESS_TOKEN_MAX_TTL_SECONDS;
  if (
    !Number.isInteger(ttlSeconds) ||
    ttlSeconds <= 0 ||
    ttlSeconds > ACCESS_TOKEN_MAX_TTL_SECONDS
  ) {
    throw new RangeError(
      `Access token lifetime must be 1..${ACCESS_TOKEN_MAX_TTL_SECONDS} seconds.`,
    );
  }
  const now = opts.now ?? (() => new Date());
  const cacheSize = opts.verifiedCacheSize ?? 10_000;
  // A client sends the same access token with every request for up to 15 minutes; a Map
  // lookup spares the HMAC check (tens of µs through WebCrypto) on all but the first.
  const verified = new Map<string, AccessTokenClaims>();
  // Imported once: jose verifies about twice as fast with a CryptoKey as with raw bytes.
  const key = await webcrypto.subtle.importKey(
    "raw",
    opts.secret,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );

  return {
    issuer,
    audience,
    ttlSeconds,
    async sign(subject) {
      const iat = Math.floor(now().getTime() / 1000);
      const exp = iat + ttlSeconds;
      const accessToken = await new SignJWT({
        tid: subject.tid,
        sid: subject.sid,
        fam: subject.fam,
        role: subject.role,
      })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(subject.sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
      return { accessToken, expiresAt: new Date(exp * 1000) };
    },
    async verify(token) {
      if (typeof token !== "string" || token.length === 0 || token.length > 4096) return null;
      const nowDate = now();
      const cached = verified.get(token);
      if (cached) {
        if (cached.exp * 1000 > nowDate.getTime()) return cached;
        verified.delete(token);
        return null;
      }
      let claims: AccessTokenClaims;
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          issuer,
          audience,
          currentDate: nowDate,
          requiredClaims: ["sub", "iat", "exp"],
        });
        const parsed = ZClaims.safeParse(payload);
        if (!parsed.success) return null;
        // Frozen, so the cached claims can be handed out without a copy.
        claims = Object.freeze(parsed.data);
      } catch {
        return null;
      }
      if (cacheSize > 0) {
        // Oldest first out: entries are at most 15 minutes old anyway.
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
        verified.set(token, claims);
      }
      return claims;
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  if (typeof header !== "string") return null;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)[ ]*$/i.exec(header);
  return match ? match[1]! : null;
}
