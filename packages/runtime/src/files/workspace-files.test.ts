import { existsSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyFolder } from "./copy-folder";
import { FileError } from "./errors";
import { WorkspaceFiles } from "./workspace-files";

let base: string;
let root: string;
let outside: string;
let files: WorkspaceFiles;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "hearth-files-")));
  root = join(base, "ws");
  outside = join(base, "outside");
  await mkdir(outside);
  await writeFile(join(outside, "secret"), "top secret");
  files = await WorkspaceFiles.open(root, { maxFileBytes: 1000 });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<FileError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FileError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

describe("WorkspaceFiles", () => {
  it("writes, reads back, stats and lists folders first", async () => {
    const w = await files.write("src/b.ts", "export const b = 1;\n");
    expect(w).toMatchObject({ path: "src/b.ts", size: 20, created: true });
    await files.write("a.md", "# A");
    await files.mkdir("docs");
    await files.write("src/a10.ts", "");
    await files.write("src/a9.ts", "");
    expect(await files.read("src/b.ts")).toEqual({
      path: "src/b.ts",
      content: "export const b = 1;\n",
      encoding: "utf8",
      binary: false,
      tooLarge: false,
      size: 20,
      mtimeMs: w.mtimeMs,
    });
    expect((await files.list("")).entries.map((e) => [e.name, e.kind])).toEqual([
      ["docs", "directory"],
      ["src", "directory"],
      ["a.md", "file"],
    ]);
    expect((await files.list("src")).entries.map((e) => e.name)).toEqual([
      "a9.ts",
      "a10.ts",
      "b.ts",
    ]);
    expect(await files.stat("src")).toMatchObject({ path: "src", kind: "directory" });
  });

  it("a stale expectedMtimeMs is CONFLICT with the current mtime, and the file is kept", async () => {
    const first = await files.write("f.txt", "one");
    await new Promise((r) => setTimeout(r, 5));
    await writeFile(join(root, "f.txt"), "changed in a terminal");
    const now = (await stat(join(root, "f.txt"))).mtimeMs;
    const err = await failure(files.write("f.txt", "two", { expectedMtimeMs: first.mtimeMs }));
    expect(err.kind).toBe("conflict");
    expect(err.currentMtimeMs).toBe(now);
    expect(await readFile(join(root, "f.txt"), "utf8")).toBe("changed in a terminal");
    const ok = await files.write("f.txt", "two", { expectedMtimeMs: now });
    expect(ok.created).toBe(false);
    expect(await readFile(join(root, "f.txt"), "utf8")).toBe("two");
  });

  it("two saves based on the same mtime: one lands, the other is CONFLICT", async () => {
    const w = await files.write("f.txt", "base");
    const results = await Promise.allSettled([
      files.write("f.txt", "left", { expectedMtimeMs: w.mtimeMs }),
      files.write("f.txt", "right", { expectedMtimeMs: w.mtimeMs }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  it("writes atomically through a temporary file that never stays behind", async () => {
    await files.write("a/b/c.txt", "x");
    await files.write("a/b/c.txt", "y");
    expect(await readdir(join(root, "a", "b"))).toEqual(["c.txt"]);
  });

  it("binary and oversize files are read as flags, oversize writes are refused", async () => {
    await writeFile(join(root, "img.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    await writeFile(join(root, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    await writeFile(join(root, "big.log"), "x".repeat(1001));
    expect(await files.read("img.png")).toMatchObject({ binary: true, content: null, size: 7 });
    expect(await files.read("latin1.txt")).toMatchObject({ binary: true, content: null });
    expect(await files.read("big.log")).toMatchObject({
      tooLarge: true,
      content: null,
      size: 1001,
    });
    const err = await failure(files.write("big2.log", "é".repeat(501)));
    expect(err.kind).toBe("too_large");
    expect(existsSync(join(root, "big2.log"))).toBe(false);
  });

  it("rename refuses to overwrite unless asked, and moves folders", async () => {
    await files.write("a.txt", "a");
    await files.write("b.txt", "b");
    expect((await failure(files.rename("a.txt", "b.txt"))).kind).toBe("conflict");
    await files.rename("a.txt", "b.txt", { overwrite: true });
    expect(await readFile(join(root, "b.txt"), "utf8")).toBe("a");
    await files.write("dir/x.txt", "x");
    await files.rename("dir", "moved/dir2");
    expect(await readFile(join(root, "moved", "dir2", "x.txt"), "utf8")).toBe("x");
    expect((await failure(files.rename("moved", "moved/inner"))).kind).toBe("invalid");
    expect((await failure(files.rename("nope", "x"))).kind).toBe("not_found");
  });

  it("delete removes folders recursively but never the workspace folder", async () => {
    await files.write("d/e/f.txt", "f");
    await files.delete("d");
    expect(existsSync(join(root, "d"))).toBe(false);
    for (const p of ["", ".", "./"]) expect((await failure(files.delete(p))).kind).toBe("invalid");
    expect((await failure(files.delete("d"))).kind).toBe("not_found");
    expect(existsSync(root)).toBe(true);
  });

  it("refuses every operation through a symlink that leads outside, touching nothing", async () => {
    await symlink(join(outside, "secret"), join(root, "secret"));
    await symlink(outside, join(root, "out"));
    await symlink(join(outside, "later.txt"), join(root, "later.txt"));
    const ops: Array<[string, () => Promise<unknown>]> = [
      ["read", () => files.read("secret")],
      ["read parent", () => files.read("out/secret")],
      ["list", () => files.list("out")],
      ["stat", () => files.stat("out/secret")],
      ["write", () => files.write("secret", "pwned")],
      ["write parent", () => files.write("out/new.txt", "pwned")],
      ["write dangling", () => files.write("later.txt", "pwned")],
      ["mkdir", () => files.mkdir("out/newdir")],
      ["rename from", () => files.rename("out/secret", "stolen")],
      ["rename to", () => files.rename("secret", "out/moved")],
      ["delete", () => files.delete("out/secret")],
    ];
    for (const [what, op] of ops) {
      const err = await failure(op());
      expect(err.kind, what).toBe("invalid");
      expect(err.message, what).toMatch(/outside the workspace folder/);
    }
    expect(await readdir(outside)).toEqual(["secret"]);
    expect(await readFile(join(outside, "secret"), "utf8")).toBe("top secret");
  });

  it("lists a link inside as what it leads to, and one leading out as a symlink", async () => {
    await files.write("src/a.ts", "a");
    await symlink("src", join(root, "alias"));
    await symlink(outside, join(root, "out"));
    const kinds = Object.fromEntries((await files.list("")).entries.map((e) => [e.name, e.kind]));
    expect(kinds).toEqual({ alias: "directory", src: "directory", out: "symlink" });
    expect((await files.read("alias/a.ts")).content).toBe("a");
  });

  it("search finds files by fuzzy name, recently opened first, and follows changes", async () => {
    for (const p of ["src/editor/tabs.ts", "src/terminal/pty.ts", "README.md", "src/tab-bar.tsx"]) {
      await mkdir(join(root, p, ".."), { recursive: true });
      await writeFile(join(root, p), "");
    }
    await symlink("src", join(root, "src-alias"));
    await mkdir(join(root, "node_modules", "x"), { recursive: true });
    await writeFile(join(root, "node_modules", "x", "tabs.js"), "");
    const hits = await files.search("tabs");
    expect(hits.map((h) => h.path)).toContain("src/editor/tabs.ts");
    expect(hits.map((h) => h.path)).not.toContain("node_modules/x/tabs.js");
    const all = (await files.search("", { limit: 100 })).map((h) => h.path);
    expect(all.sort()).toEqual([
      "README.md",
      "src/editor/tabs.ts",
      "src/tab-bar.tsx",
      "src/terminal/pty.ts",
    ]);
    const recent = await files.search("tab", { recent: ["src/tab-bar.tsx"] });
    expect(recent[0]).toMatchObject({ path: "src/tab-bar.tsx", recent: true });
    await files.rename("src/editor", "src/ed");
    await files.write("src/new-tabs.ts", "");
    const after = (await files.search("tabs")).map((h) => h.path);
    expect(after).toContain("src/ed/tabs.ts");
    expect(after).toContain("src/new-tabs.ts");
    expect(after).not.toContain("src/editor/tabs.ts");
    await files.delete("src/ed");
    expect((await files.search("tabs.ts")).map((h) => h.path)).not.toContain("src/ed/tabs.ts");
    expect((await files.search("", { limit: 2 })).length).toBe(2);
  });
});

describe("copyFolder", () => {
  it("copies a folder, and refuses one over the cap without making anything", async () => {
    await files.write("src/a.ts", "12345");
    await files.write("b.txt", "67890");
    expect(await copyFolder(root, join(base, "fork"), { maxBytes: 10 })).toEqual({ bytes: 10 });
    expect(await readFile(join(base, "fork", "src", "a.ts"), "utf8")).toBe("12345");
    const err = await failure(copyFolder(root, join(base, "fork2"), { maxBytes: 9 }));
    expect(err.kind).toBe("limit");
    expect(err.limit).toEqual({ name: "maxForkCopyBytes", max: 9 });
    expect(existsSync(join(base, "fork2"))).toBe(false);
  });
});
