import { describe, expect, it } from "vitest";
import { idTimeMs, newId } from "./ids";

describe("newId", () => {
  it("makes distinct 26-character ids that sort by time", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(newId(1_800_000_000_000));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
    expect(newId(1_800_000_000_001) > newId(1_800_000_000_000)).toBe(true);
    expect(newId(2_000_000_000_000) > newId(1_900_000_000_000)).toBe(true);
  });
});

describe("idTimeMs", () => {
  it("reads back the milliseconds an id was made at, and nothing from what is not an id", () => {
    expect(idTimeMs(newId(1_800_000_000_123))).toBe(1_800_000_000_123);
    expect(idTimeMs("short")).toBeNull();
    expect(idTimeMs("not-an-id-at-all-uuuuuuuuu")).toBeNull();
  });
});
