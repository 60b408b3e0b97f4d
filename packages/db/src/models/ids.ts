import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

// One randomBytes call per 4 KiB of ids: a call per id costs more than the id itself.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = POOL_BYTES;

let lastMs = -1;
let lastTime = "";

function timePart(ms: number): string {
  if (ms !== lastMs) {
    let t = ms;
    let out = "";
    for (let i = 0; i < 10; i++) {
      out = CROCKFORD[t % 32]! + out;
      t = Math.floor(t / 32);
    }
    lastMs = ms;
    lastTime = out;
  }
  return lastTime;
}

/**
 * A new record id: 26 lowercase Crockford base32 characters, 48 bits of milliseconds then
 * 80 random bits (ULID layout), so ids made later sort later and never collide in practice.
 */
export function newId(nowMs: number = Date.now()): string {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  let out = timePart(nowMs);
  // 16 characters of 5 random bits each.
  for (let i = 0; i < 16; i++) out += CROCKFORD[pool[poolAt + i]! & 31]!;
  poolAt += 16;
  return out;
}

/** Current time as the ISO-8601 string every model stores. */
export function isoNow(): string {
  return new Date().toISOString();
}
