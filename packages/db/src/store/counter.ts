import type { Bytes } from "./types";

/** How many bytes a counter written by Transaction.add takes. */
export const COUNTER_BYTES = 8;

/** A counter's value as Transaction.add stores it: 64-bit little-endian two's complement. */
export function encodeCounter(n: number | bigint): Bytes {
  const b = Buffer.allocUnsafe(COUNTER_BYTES);
  b.writeBigInt64LE(BigInt.asIntN(64, BigInt(n)));
  return b;
}

/**
 * Reads a counter (absent: 0). Like FoundationDB's ADD, a shorter value counts as
 * zero-padded and bytes beyond the eighth are ignored.
 */
export function decodeCounter(value: Bytes | undefined | null): number {
  if (!value || value.length === 0) return 0;
  if (value.length >= COUNTER_BYTES) return Number(value.readBigInt64LE(0));
  const padded = Buffer.alloc(COUNTER_BYTES);
  value.copy(padded);
  return Number(padded.readBigInt64LE(0));
}

/** The counter after adding `delta` to `value`, wrapping at 64 bits as FoundationDB does. */
export function addToCounter(value: Bytes | undefined | null, delta: number): Bytes {
  const old = value && value.length > 0 ? BigInt(decodeCounter(value)) : 0n;
  return encodeCounter(old + BigInt(delta));
}
