import { describe, expect, it } from "vitest";
import { newId } from "./ids";

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
