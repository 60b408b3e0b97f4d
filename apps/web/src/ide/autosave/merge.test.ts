import { describe, expect, it } from "vitest";
import type { SessionParts } from "../state/types";
import { mergeList, mergeParts } from "./merge";

const NOW = new Date("2026-12-03T10:32:05Z");

function parts(buffers: Record<string, string>, more: Partial<SessionParts> = {}): SessionParts {
  return {
    editor: { layout: "single", activeTabIndex: -1, openTabs: [] },
    debug: { breakpoints: [], watchExpressions: [] },
    memory: { facts: [], decisions: [] },
    buffers,
    ...more,
  };
}

describe("mergeList", () => {
  it("keeps what either side added and drops what either side removed", () => {
    const key = (s: string) => s;
    expect(mergeList(["a", "b"], ["a", "b", "mine"], ["b", "theirs"], key)).toEqual([
      "b",
      "mine",
      "theirs",
    ]);
  });
});

describe("mergeParts", () => {
  it("takes the other side's text for files only it changed, and keeps ours", () => {
    const r = mergeParts(
      parts({ a: "0" }),
      parts({ a: "0", b: "mine" }),
      parts({ a: "theirs" }),
      NOW,
    );
    expect(r.parts.buffers).toEqual({ a: "theirs", b: "mine" });
    expect(r.copies).toEqual([]);
    // Both files stay reachable in a tab.
    expect(r.parts.editor.openTabs.map((t) => t.path).sort()).toEqual(["a", "b"]);
  });

  it("a file changed on both sides keeps this tab's text and the other's as a copy", () => {
    const r = mergeParts(parts({ a: "0" }), parts({ a: "mine" }), parts({ a: "theirs" }), NOW);
    expect(r.parts.buffers.a).toBe("mine");
    expect(r.copies).toEqual([{ path: "a", copyPath: "a.conflict-20261203-103205" }]);
    expect(r.parts.buffers["a.conflict-20261203-103205"]).toBe("theirs");
  });

  it("text the other side still has is not dropped when this side saved the file", () => {
    const r = mergeParts(parts({ a: "0" }), parts({}), parts({ a: "theirs" }), NOW);
    expect(Object.values(r.parts.buffers)).toContain("theirs");
  });

  it("the same text on both sides is no conflict", () => {
    const r = mergeParts(parts({}), parts({ a: "same" }), parts({ a: "same" }), NOW);
    expect(r.parts.buffers).toEqual({ a: "same" });
    expect(r.copies).toEqual([]);
  });

  it("this tab's view state wins; notes from both sides are kept", () => {
    const local = parts(
      {},
      {
        editor: {
          layout: "split-horizontal",
          activeTabIndex: 0,
          openTabs: [{ path: "x", viewState: null }],
        },
        memory: { facts: ["mine"], decisions: [] },
      },
    );
    const remote = parts({}, { memory: { facts: ["theirs"], decisions: [] } });
    const r = mergeParts(parts({}), local, remote, NOW);
    expect(r.parts.editor.layout).toBe("split-horizontal");
    expect(r.parts.memory.facts).toEqual(["mine", "theirs"]);
  });
});
