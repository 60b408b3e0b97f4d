import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

// One randomBytes call per 4 KiB of ids: a call per id costs more than the id itself.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = POOL_BYTES;

function takeRandom(n: number): Buffer {
  if (poolAt + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/**
 * A new record id: 26 lowercase Crockford base32 characters, 48 bits of milliseconds then
 * 80 random bits (ULID layout), so ids made later sort later and never collide in practice.
 */
export function newId(nowMs: number = Date.now()): string {
  let t = nowMs;
  const time: string[] = new Array(10);
  for (let i = 9; i >= 0; i--) {
    time[i] = CROCKFORD[t % 32]!;
    t = Math.floor(t / 32);
  }
  let out = time.join("");
  const rand = takeRandom(10);
  // 80 bits -> 16 characters of 5 bits.
  let acc = 0;
  let bits = 0;
  for (const byte of rand) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** Current time as the ISO-8601 string every model stores. */
export function isoNow(): string {
  return new Date().toISOString();
}
