import { pack, type TupleItem, unpack } from "fdb-tuple";
import type { Bytes } from "./types";

/**
 * A key prefix plus tuple encoders (as in FoundationDB's bindings). The prefix is packed
 * once; tuple encoding is concatenative, so pack(prefix ++ items) = prefix ++ pack(items).
 */
export class Subspace {
  readonly prefix: Bytes;

  constructor(prefix: Bytes | TupleItem[] = Buffer.alloc(0)) {
    this.prefix = Buffer.isBuffer(prefix) ? prefix : pack(prefix);
  }

  /** A child subspace: this prefix followed by the packed items. */
  sub(...items: TupleItem[]): Subspace {
    return new Subspace(Buffer.concat([this.prefix, pack(items)]));
  }

  pack(...items: TupleItem[]): Bytes {
    if (items.length === 0) return this.prefix;
    return Buffer.concat([this.prefix, pack(items)]);
  }

  unpack(key: Bytes): TupleItem[] {
    if (!this.contains(key)) throw new Error("key is outside this subspace");
    return unpack(key.subarray(this.prefix.length));
  }

  contains(key: Bytes): boolean {
    return (
      key.length >= this.prefix.length && key.subarray(0, this.prefix.length).equals(this.prefix)
    );
  }

  /** [begin, end) covering every key strictly inside this subspace (or under items). */
  range(...items: TupleItem[]): { begin: Bytes; end: Bytes } {
    const p = this.pack(...items);
    return {
      begin: Buffer.concat([p, Buffer.from([0x00])]),
      end: Buffer.concat([p, Buffer.from([0xff])]),
    };
  }
}
