import { describe, expect, it } from "vitest";
import { createIdeStore } from "./ide-store";
import { fromParts, toParts } from "./snapshot";

function store() {
  return createIdeStore("ws1");
}

describe("the IDE store", () => {
  it("a tab shows modified only while its text differs from the disk's", () => {
    const s = store();
    s.getState().openFile("a.ts");
    s.getState().fileRead("a.ts", { content: "one", mtimeMs: 1 });
    s.getState().setText("a.ts", "one!");
    expect(s.getState().buffers).toEqual({ "a.ts": "one!" });
    s.getState().setText("a.ts", "one");
    expect(s.getState().buffers).toEqual({});
    s.getState().setText("a.ts", "two");
    s.getState().fileWritten("a.ts", { content: "two", mtimeMs: 2 });
    expect(s.getState().buffers).toEqual({});
    expect(s.getState().files["a.ts"]).toEqual({ content: "two", mtimeMs: 2 });
  });

  it("a file read as binary is known as such until it reads as text, and follows a rename", () => {
    const s = store();
    s.getState().openFile("bin/blob");
    s.getState().fileUnreadable("bin/blob", { reason: "binary", size: 64, mtimeMs: 1 });
    s.getState().pathRenamed("bin", "data");
    expect(s.getState().unreadable).toEqual({
      "data/blob": { reason: "binary", size: 64, mtimeMs: 1 },
    });
    s.getState().fileRead("data/blob", { content: "text now", mtimeMs: 2 });
    expect(s.getState().unreadable).toEqual({});
    s.getState().fileUnreadable("data/blob", { reason: "tooLarge", size: 6e6, mtimeMs: 3 });
    expect(s.getState().files).toEqual({});
    s.getState().pathDeleted("data");
    expect(s.getState().unreadable).toEqual({});
  });

  it("closing the shown tab shows its neighbour; closing a file's last tab drops its text", () => {
    const s = store();
    for (const p of ["a", "b", "c"]) s.getState().openFile(p);
    s.getState().setActive("b", 0);
    s.getState().setText("b", "draft");
    s.getState().closeTab("b", 0);
    expect(s.getState().active[0]).toBe("c");
    expect(s.getState().tabs.map((t) => t.path)).toEqual(["a", "c"]);
    expect(s.getState().buffers).toEqual({});
  });

  it("a split shows the file on both sides; going back to single keeps each file once", () => {
    const s = store();
    s.getState().openFile("a");
    s.getState().setLayout("split-horizontal");
    expect(s.getState().tabs.map((t) => `${t.group}:${t.path}`)).toEqual(["0:a", "1:a"]);
    expect(s.getState().focusedGroup).toBe(1);
    s.getState().openFile("b");
    expect(s.getState().active).toEqual(["a", "b"]);
    s.getState().setLayout("single");
    expect(s.getState().tabs.map((t) => `${t.group}:${t.path}`)).toEqual(["0:a", "0:b"]);
    expect(s.getState().active).toEqual(["b", null]);
  });

  it("renaming a folder moves its tabs, unsaved text and breakpoints", () => {
    const s = store();
    s.getState().openFile("src/a.ts");
    s.getState().setText("src/a.ts", "draft");
    s.getState().toggleBreakpoint("src/a.ts", 3);
    s.getState().pathRenamed("src", "lib");
    const st = s.getState();
    expect(st.tabs.map((t) => t.path)).toEqual(["lib/a.ts"]);
    expect(st.active[0]).toBe("lib/a.ts");
    expect(st.buffers).toEqual({ "lib/a.ts": "draft" });
    expect(st.breakpoints).toEqual([{ path: "lib/a.ts", line: 3, enabled: true }]);
    // A sibling whose name only starts the same is not moved.
    s.getState().openFile("library.ts");
    s.getState().pathRenamed("lib", "src");
    expect(s.getState().tabs.map((t) => t.path)).toEqual(["src/a.ts", "library.ts"]);
  });

  it("deleting a folder closes what was under it", () => {
    const s = store();
    s.getState().openFile("src/a.ts");
    s.getState().openFile("b.ts");
    s.getState().setActive("src/a.ts", 0);
    s.getState().pathDeleted("src");
    expect(s.getState().tabs.map((t) => t.path)).toEqual(["b.ts"]);
    expect(s.getState().active[0]).toBe("b.ts");
  });

  it("the file tree's open folders follow a rename and a delete", () => {
    const s = store();
    for (const path of ["src", "src/lib", "docs"]) s.getState().toggleFolder(path);
    s.getState().toggleFolder("docs");
    expect(s.getState().expandedFolders).toEqual(["src", "src/lib"]);
    s.getState().pathRenamed("src", "app");
    expect(s.getState().expandedFolders).toEqual(["app", "app/lib"]);
    s.getState().pathDeleted("app/lib");
    expect(s.getState().expandedFolders).toEqual(["app"]);
  });

  it("a breakpoint toggles; watches and notes ignore blank text", () => {
    const s = store();
    s.getState().toggleBreakpoint("a", 2);
    s.getState().toggleBreakpoint("a", 2);
    expect(s.getState().breakpoints).toEqual([]);
    s.getState().addWatch("  ");
    s.getState().addFact("");
    s.getState().addDecision(" use SQLite ", "2026-12-03T10:00:00.000Z");
    expect(s.getState().watches).toEqual([]);
    expect(s.getState().facts).toEqual([]);
    expect(s.getState().decisions).toEqual([
      { text: "use SQLite", at: "2026-12-03T10:00:00.000Z" },
    ]);
  });

  it("what toParts saves, fromParts restores", () => {
    const s = store();
    s.getState().openFile("a.ts");
    s.getState().setLayout("split-vertical");
    s.getState().openFile("b.md", 1);
    s.getState().setViewState("b.md", 1, {
      cursorState: [{ position: { lineNumber: 4, column: 2 } }],
    });
    s.getState().setText("a.ts", "x");
    s.getState().setPanels({ sidebar: 25, terminalOpen: false });
    s.getState().toggleFolder("src");
    s.getState().toggleFolder("src/lib");
    s.getState().focusGroup(0);
    const restored = createIdeStore("ws1");
    restored.getState().replace(fromParts(structuredClone(toParts(s.getState()))));
    const keys = [
      "layout",
      "tabs",
      "active",
      "focusedGroup",
      "buffers",
      "panels",
      "expandedFolders",
    ];
    for (const key of keys as (keyof ReturnType<typeof s.getState>)[]) {
      expect(restored.getState()[key]).toEqual(s.getState()[key]);
    }
    expect(restored.getState().tabs.find((t) => t.path === "b.md")?.language).toBe("markdown");
  });
});
