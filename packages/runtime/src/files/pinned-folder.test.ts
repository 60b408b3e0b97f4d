import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveInside } from "./confine";
import { FileError } from "./errors";
import { inFolder, PinnedFolder } from "./pinned-folder";

let base: string;
let root: string;
let outside: string;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), "hearth-pinned-")));
  root = join(base, "ws");
  outside = join(base, "outside");
  await mkdir(join(root, "src"), { recursive: true });
  await mkdir(outside);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** What a terminal can do between Hearth's check and its operation. */
async function swapForLinkOutside(folder: string) {
  await rename(join(root, folder), join(root, `${folder}-moved`));
  await symlink(outside, join(root, folder));
}

describe("PinnedFolder", () => {
  it("refuses a folder swapped for a symlink to outside after the path was checked", async () => {
    const r = await resolveInside(root, "src/a.ts");
    await swapForLinkOutside("src");
    const err = await PinnedFolder.open(root, join(root, "src"), r.rel).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as FileError).message).toMatch(/outside the workspace folder/);
  });

  it("a folder swapped once it is held open redirects nothing", async () => {
    await inFolder(root, join(root, "src"), "src/a.ts", async (dir) => {
      await swapForLinkOutside("src");
      await writeFile(dir.at("a.ts"), "written");
    });
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile(join(root, "src-moved", "a.ts"), "utf8")).toBe("written");
  });
});
