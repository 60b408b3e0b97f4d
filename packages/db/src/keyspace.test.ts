import { pack, type TupleItem } from "fdb-tuple";
import { describe, expect, it } from "vitest";
import { globalKeys, keyInRange, packKey, tenantKeys, unpackKey } from "./keyspace";

describe("keyspace", () => {
  it("encodes keys byte for byte as fdb-tuple does", () => {
    const cases: Array<Array<string | number>> = [
      ["t1", "ws", "s1", "meta"],
      ["", "ä€😀", "a\u0000b", "x"],
      [0, 1, 255, 256, 65535, 65536, 2 ** 32, Number.MAX_SAFE_INTEGER],
      ["t", "ws_recent", "u", 1_764_395_177_123, "s"],
      [-5, 1.5, "mixed"],
    ];
    for (const items of cases) {
      expect(packKey(...items).toString("hex")).toBe(pack(items as TupleItem[]).toString("hex"));
      expect(unpackKey(packKey(...items))).toEqual(items);
    }
  });

  it("orders recency keys by time, then session id", () => {
    const k = tenantKeys("t1");
    const keys = [
      k.wsRecent("u", 1000, "b"),
      k.wsRecent("u", 999, "z"),
      k.wsRecent("u", 1000, "a"),
      k.wsRecent("u", 100_000, "a"),
    ];
    const sorted = [...keys].sort(Buffer.compare).map((key) => unpackKey(key).slice(3));
    expect(sorted).toEqual([
      [999, "z"],
      [1000, "a"],
      [1000, "b"],
      [100_000, "a"],
    ]);
  });

  it("keeps a prefix's range away from longer strings sharing its text", () => {
    const k = tenantKeys("t1");
    const r = k.wsByTagSpace.range("u", "tag");
    const inside = k.wsByTag("u", "tag", "s1");
    const longer = k.wsByTag("u", "tagX", "s1");
    expect(Buffer.compare(r.begin, inside) < 0 && Buffer.compare(inside, r.end) < 0).toBe(true);
    expect(Buffer.compare(r.begin, longer) < 0 && Buffer.compare(longer, r.end) < 0).toBe(false);
  });

  it("keeps the buffer sizes record apart from the buffers themselves", () => {
    const k = tenantKeys("t1");
    const sk = k.ws("s1");
    expect(sk.bufferSizes).toEqual(packKey("t1", "ws", "s1", "buffer_sizes"));
    const sizes = sk.chunk("buffer_sizes", 1);
    expect(sizes).toEqual(packKey("t1", "ws", "s1", "buffer_sizes", 1));
    expect(keyInRange(sizes, sk.bufferSizesRange)).toBe(true);
    expect(keyInRange(sizes, sk.buffersRange)).toBe(false);
    const chunk = k.wsBufferChunk("s1", "buffer_sizes", 0);
    expect(keyInRange(chunk, sk.buffersRange)).toBe(true);
    expect(keyInRange(chunk, sk.bufferSizesRange)).toBe(false);
    expect(keyInRange(k.wsBufferChunk("s10", "a", 0), sk.buffersRange)).toBe(false);
  });

  it("sorts audit keys newest first and lowercases email keys", () => {
    const k = tenantKeys("t1");
    expect(Buffer.compare(k.audit(2000, "a"), k.audit(1000, "a"))).toBeLessThan(0);
    expect(globalKeys.userByEmail(" Ada@Example.COM ")).toEqual(
      globalKeys.userByEmail("ada@example.com"),
    );
  });

  it("refuses the global prefix as a tenant id", () => {
    expect(() => tenantKeys("g")).toThrow();
  });
});
