import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeRuntimeDir, sweepAbandonedRuntimeDirs } from "./runtime-dir";

let tmp: string;
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** The id of a process that has ended. */
function endedPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid!;
}

describe("terminal runtime folders", () => {
  it("removes the folders of servers that died, keeps live ones and other files", () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "runtime-dir-test-"));
    const dead = path.join(tmp, `hearth-terminals-${endedPid()}-abc123`);
    mkdirSync(path.join(dead, "0123456789abcdef"), { recursive: true });
    writeFileSync(
      path.join(dead, "0123456789abcdef", "passwd"),
      "hearth:x:1000:1000::/workspace:/bin/bash\n",
    );
    const live = path.join(tmp, `hearth-terminals-${process.ppid}-def456`);
    mkdirSync(live);
    const unrelated = path.join(tmp, "hearth-terminals-notes.txt");
    writeFileSync(unrelated, "kept");

    const mine = makeRuntimeDir(tmp);

    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
    expect(path.basename(mine)).toMatch(new RegExp(`^hearth-terminals-${process.pid}-`));
    // A second server started now leaves this one's folder alone.
    expect(sweepAbandonedRuntimeDirs(tmp)).toBe(0);
    expect(readdirSync(tmp).sort()).toEqual(
      [path.basename(live), path.basename(mine), "hearth-terminals-notes.txt"].sort(),
    );
  });
});
