import { randomBytes } from "node:crypto";
import argon2 from "argon2";
import { z } from "zod";

/**
 * argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1). The `argon2` binding hashes on
 * libuv's threadpool, so a hash (~30 ms) never blocks the event loop; only its async
 * functions are used here.
 */
export const PASSWORD_HASH_PARAMS = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

const ARGON2_VERSION = 0x13;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** The password policy as a zod schema, so API input validation and the flows agree. */
export const ZPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Passwords have at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, `Passwords have at most ${PASSWORD_MAX_LENGTH} characters.`);

export function isAcceptablePassword(password: string): boolean {
  return ZPassword.safeParse(password).success;
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, ...PASSWORD_HASH_PARAMS });
}

interface PhcArgon2 {
  id: string;
  version: number;
  m: number;
  t: number;
  p: number;
}

const PHC_ARGON2 =
  /^\$(argon2id|argon2i|argon2d)\$v=(\d{1,3})\$([a-z]=\d{1,10}(?:,[a-z]=\d{1,10})*)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

function parsePhc(hash: string): PhcArgon2 | null {
  const match = PHC_ARGON2.exec(hash);
  if (!match) return null;
  const [, id, version, paramList] = match;
  // Parameter order differs between implementations; read them by name.
  const params = new Map<string, number>();
  for (const pair of paramList!.split(",")) {
    const [name, value] = pair.split("=");
    if (params.has(name!)) return null;
    params.set(name!, Number(value));
  }
  const m = params.get("m");
  const t = params.get("t");
  const p = params.get("p");
  if (params.size !== 3 || m === undefined || t === undefined || p === undefined) return null;
  return { id: id!, version: Number(version), m, t, p };
}

// A stored hash is trusted data, but a corrupted or hostile one must not make a single
// login allocate gigabytes or spin for minutes.
const MAX_VERIFY_MEMORY_KIB = 262_144;
const MAX_VERIFY_TIME_COST = 10;
const MAX_VERIFY_PARALLELISM = 16;

/** True when password matches hash; false for a wrong password or any malformed hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const phc = parsePhc(hash);
  if (
    !phc ||
    phc.m > MAX_VERIFY_MEMORY_KIB ||
    phc.t > MAX_VERIFY_TIME_COST ||
    phc.p > MAX_VERIFY_PARALLELISM
  ) {
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** True when hash was made with other parameters (or another variant) than the current ones. */
export function needsRehash(hash: string): boolean {
  const phc = parsePhc(hash);
  if (!phc) return true;
  return (
    phc.id !== "argon2id" ||
    phc.version !== ARGON2_VERSION ||
    phc.m !== PASSWORD_HASH_PARAMS.memoryCost ||
    phc.t !== PASSWORD_HASH_PARAMS.timeCost ||
    phc.p !== PASSWORD_HASH_PARAMS.parallelism
  );
}

let dummyHash: Promise<string> | undefined;

/**
 * Costs one verification against a hash of a random password (made once, at first use)
 * and always answers false, so a login for an unknown email takes as long as one with a
 * wrong password.
 */
export async function dummyVerifyPassword(password: string): Promise<false> {
  if (!dummyHash) {
    dummyHash = hashPassword(randomBytes(32).toString("base64url"));
    // A failed first hash must not poison every later call.
    dummyHash.catch(() => {
      dummyHash = undefined;
    });
  }
  await verifyPassword(await dummyHash, password);
  return false;
}
