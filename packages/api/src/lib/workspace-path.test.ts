import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@hearth/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureWorkspaceFolder, workspaceFolderPath } from "./workspace-path";

let dir: string;
let outside: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hearth-wp-"));
  outside = await mkdtemp(join(tmpdir(), "hearth-wp-outside-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const ensure = (path: string) => ensureWorkspaceFolder(dir, "t1", "u1", path);

describe("ensureWorkspaceFolder", () => {
  it("makes <tenant>/<user>/<path> and finds it again", async () => {
    const path = await ensure("a/b/c");
    expect(path).toBe(join(dir, "t1", "u1", "a", "b", "c"));
    expect(await ensure("a/b/c")).toBe(path);
    expect(workspaceFolderPath(dir, { tenantId: "t1", userId: "u1", workspacePath: "a/b/c" })).toBe(
      path,
    );
  });

  it("refuses a folder that became a symlink after it was made, leading out or in", async () => {
    await ensure("proj/sub");
    const root = join(dir, "t1", "u1");
    // The same names now lead elsewhere: outside, where a "sub" waits.
    await mkdir(join(outside, "sub"));
    await rename(join(root, "proj"), join(root, "old"));
    await symlink(outside, join(root, "proj"));
    await expect(ensure("proj/sub")).rejects.toBeInstanceOf(ValidationError);
    await expect(ensure("proj")).rejects.toBeInstanceOf(ValidationError);
    // And to another member's folder of the same tenant.
    await ensureWorkspaceFolder(dir, "t1", "u2", "theirs");
    await symlink(join(dir, "t1", "u2", "theirs"), join(root, "link"));
    await expect(ensure("link")).rejects.toBeInstanceOf(ValidationError);
    await expect(ensure("link/deeper")).rejects.toBeInstanceOf(ValidationError);
    expect(await readdir(join(dir, "t1", "u2", "theirs"))).toEqual([]);
    expect(await readdir(join(outside, "sub"))).toEqual([]);
  });

  it("refuses a file in the way and names that climb", async () => {
    await ensure("proj");
    await writeFile(join(dir, "t1", "u1", "proj", "f"), "x");
    await expect(ensure("proj/f")).rejects.toBeInstanceOf(ValidationError);
    await expect(ensure("proj/f/g")).rejects.toBeInstanceOf(ValidationError);
    for (const bad of ["../u2", "a/../../u2", "/etc", "a//b", "."]) {
      await expect(ensure(bad)).rejects.toBeInstanceOf(ValidationError);
    }
  });
});
