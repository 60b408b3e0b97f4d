import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseRelativePath, resolveInside } from "./confine";
import { FileError } from "./errors";

let base: string;
let root: string;
let outside: string;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "hearth-confine-")));
  root = join(base, "ws");
  outside = join(base, "outside");
  await mkdir(join(root, "src"), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, "src", "a.ts"), "a");
  await writeFile(join(outside, "secret"), "s");
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FileError);
    expect((err as FileError).kind).toBe("invalid");
    return (err as FileError).message;
  }
  throw new Error("expected a refusal");
}

describe("parseRelativePath", () => {
  it("normalizes the folder itself, empty and . names", () => {
    expect(parseRelativePath("")).toEqual([]);
    expect(parseRelativePath(".")).toEqual([]);
    expect(parseRelativePath("./src//a.ts/")).toEqual(["src", "a.ts"]);
  });

  it("refuses traversal, absolute paths, NUL, control characters and long names", () => {
    const cases: Array<[string, RegExp]> = [
      ["../x", /\.\./],
      ["src/../../x", /\.\./],
      ["/etc/passwd", /absolute/],
      ["C:\\x", /absolute/],
      ["a\u0000b", /NUL/],
      ["a\nb", /control/],
      ["\uD800x", /Unicode/],
      ["x".repeat(256), /255 bytes/],
      ["é".repeat(128), /255 bytes/],
      [`${"d/".repeat(2048)}x`, /4096 bytes/],
    ];
    for (const [path, message] of cases) {
      expect(() => parseRelativePath(path), path.slice(0, 20)).toThrow(message);
    }
    expect(parseRelativePath("x".repeat(255))).toHaveLength(1);
  });
});

describe("resolveInside", () => {
  it("resolves existing and missing paths inside the folder", async () => {
    expect(await resolveInside(root, "src/a.ts")).toEqual({
      rel: "src/a.ts",
      path: join(root, "src", "a.ts"),
      real: join(root, "src", "a.ts"),
      exists: true,
    });
    expect(await resolveInside(root, "src/new/b.ts")).toMatchObject({
      real: join(root, "src", "new", "b.ts"),
      exists: false,
    });
  });

  it("follows symlinks that stay inside, and keeps the link as the path", async () => {
    await symlink("src/a.ts", join(root, "link.ts"));
    await symlink("src", join(root, "srclink"));
    expect(await resolveInside(root, "link.ts")).toMatchObject({
      path: join(root, "link.ts"),
      real: join(root, "src", "a.ts"),
      exists: true,
    });
    expect(await resolveInside(root, "srclink/a.ts")).toMatchObject({
      real: join(root, "src", "a.ts"),
    });
  });

  it("refuses a symlink to outside, a symlinked parent and a dangling link to outside", async () => {
    await symlink(join(outside, "secret"), join(root, "secret"));
    await symlink(outside, join(root, "out"));
    await symlink(join(outside, "later"), join(root, "later"));
    await symlink("../../outside", join(root, "src", "rel"));
    for (const p of ["secret", "out/secret", "out/new.txt", "later", "src/rel/x"]) {
      expect(await refusal(resolveInside(root, p))).toMatch(/outside the workspace/);
    }
    // The dangling link's target created later changes nothing.
    await writeFile(join(outside, "later"), "x");
    expect(await refusal(resolveInside(root, "later"))).toMatch(/outside/);
  });

  it("refuses a chain of links that ends outside, and a loop", async () => {
    await symlink("hop2", join(root, "hop1"));
    await symlink(join(outside, "nothing-yet"), join(root, "hop2"));
    expect(await refusal(resolveInside(root, "hop1"))).toMatch(/outside/);
    await symlink("loop-b", join(root, "loop-a"));
    await symlink("loop-a", join(root, "loop-b"));
    expect(await refusal(resolveInside(root, "loop-a"))).toMatch(/loop/);
  });

  it("says when a file stands where a folder is needed", async () => {
    expect(await refusal(resolveInside(root, "src/a.ts/b"))).toMatch(/is a file, not a folder/);
  });
});
