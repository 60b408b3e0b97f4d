import { describe, expect, it } from "vitest";
import { Subspace } from "./subspace";

describe("Subspace", () => {
  it("packs keys that sort by tuple order and unpack to the same items", () => {
    const s = new Subspace(["t1"]);
    const a = s.pack("ws", "a", 2);
    const b = s.pack("ws", "a", 10);
    expect(Buffer.compare(a, b)).toBeLessThan(0);
    expect(s.unpack(b)).toEqual(["ws", "a", 10]);
    const r = s.range("ws");
    expect(Buffer.compare(r.begin, a)).toBeLessThan(0);
    expect(Buffer.compare(a, r.end)).toBeLessThan(0);
    expect(s.contains(new Subspace(["t2"]).pack("ws"))).toBe(false);
  });
});
