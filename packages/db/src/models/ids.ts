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

let lastRandom: number[] = [];

/**
 * A new record id: 26 lowercase Crockford base32 characters, 48 bits of milliseconds then
 * 80 random bits (ULID layout), so ids made later sort later and never collide in practice.
 * Within one millisecond the random part counts up (monotonic ULID), so ids made later in
 * this process sort later even then.
 */
export function newId(nowMs: number = Date.now()): string {
  let digits: number[];
  if (nowMs === lastMs && lastRandom.length === 16 && !lastRandom.every((d) => d === 31)) {
    digits = lastRandom.slice();
    let i = 15;
    while (digits[i] === 31) digits[i--] = 0;
    digits[i]! += 1;
  } else {
    if (poolAt + 16 > pool.length) {
      pool = randomBytes(POOL_BYTES);
      poolAt = 0;
    }
    digits = new Array(16);
    // 16 characters of 5 random bits each; the first keeps its top bit clear so a
    // millisecond's ids have room to count up.
    for (let i = 0; i < 16; i++) digits[i] = pool[poolAt + i]! & (i === 0 ? 15 : 31);
    poolAt += 16;
  }
  let out = timePart(nowMs);
  for (const d of digits) out += CROCKFORD[d]!;
  lastRandom = digits;
  return out;
}

/** The milliseconds newId() put in the first 10 characters of an id, or null if not one. */
export function idTimeMs(id: string): number | null {
  if (id.length < 10) return null;
  let ms = 0;
  for (let i = 0; i < 10; i++) {
    const digit = CROCKFORD.indexOf(id[i]!);
    if (digit < 0) return null;
    ms = ms * 32 + digit;
  }
  return ms;
}
