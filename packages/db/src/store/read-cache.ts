import type { Bytes } from "./types";

/**
 * Small values recently read or written by this connection, keyed by the key's bytes: the
 * records every request reads again (auth sessions, memberships, a session's rev) then
 * cost a Map lookup instead of a SQLite statement (~8 µs here). It learns values from
 * reads; a write changes a key it holds (keys written and never read stay out). Kept
 * exact: a transaction rolled back to its savepoint takes back what it put there,
 * a range clear or a lost group empties it, and so does a commit by any other connection
 * (PRAGMA data_version, checked at each group).
 */
export class ReadCache {
  private readonly map = new Map<string, Bytes | null>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 50_000,
    private readonly maxBytes = 32 * 1024 * 1024,
    private readonly maxValueBytes = 4096,
  ) {}

  /** The value, null when known to be absent, undefined when not known. */
  get(key: string): Bytes | null | undefined {
    return this.map.get(key);
  }

  put(key: string, value: Bytes | null): void {
    const old = this.map.get(key);
    if (old) this.bytes -= old.length;
    if (value && value.length > this.maxValueBytes) {
      this.map.delete(key);
      return;
    }
    // Kept as is (the port's values are never modified once set or read) when it owns its
    // memory. A view into a larger buffer is copied into one of its own: a small
    // Buffer.from() is a view into Node's shared 8 KB pool, the last chunk of a big part a
    // view into the whole part, and either would keep all of it alive while cached.
    const kept = value && value.byteLength !== value.buffer.byteLength ? ownCopy(value) : value;
    // A key keeps its place when its value changes: the oldest keys go first.
    this.map.set(key, kept);
    if (kept) this.bytes += kept.length;
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next().value as string;
      const v = this.map.get(oldest);
      if (v) this.bytes -= v.length;
      this.map.delete(oldest);
    }
  }

  /** Changes the value of a key it holds; returns whether it held it. */
  update(key: string, value: Bytes | null): boolean {
    if (!this.map.has(key)) return false;
    this.put(key, value);
    return true;
  }

  /** Forgets one key (what a rolled-back transaction put there). */
  delete(key: string): void {
    const old = this.map.get(key);
    if (old) this.bytes -= old.length;
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

/** The bytes in a buffer of their own (allocUnsafeSlow never hands out a pool slice). */
function ownCopy(value: Bytes): Bytes {
  const copy = Buffer.allocUnsafeSlow(value.length);
  value.copy(copy);
  return copy;
}
