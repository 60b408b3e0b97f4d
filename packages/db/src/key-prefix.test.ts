import { describe, expect, it } from "vitest";
import { KeyPrefix, packKey } from "./keyspace";

describe("KeyPrefix", () => {
  it("packs keys that sort by tuple order and unpack to the same items", () => {
    const s = new KeyPrefix(packKey("t1"));
    const a = s.key("ws", "a", 2);
    const b = s.key("ws", "a", 10);
    expect(Buffer.compare(a, b)).toBeLessThan(0);
    expect(s.unpack(b)).toEqual(["ws", "a", 10]);
    const r = s.range("ws");
    expect(Buffer.compare(r.begin, a)).toBeLessThan(0);
    expect(Buffer.compare(a, r.end)).toBeLessThan(0);
    expect(s.contains(new KeyPrefix(packKey("t2")).key("ws"))).toBe(false);
  });
});
