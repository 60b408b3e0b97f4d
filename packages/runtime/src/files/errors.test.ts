import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explainErrno, FileError } from "./errors";
import { WorkspaceFiles } from "./workspace-files";

const errno = (code: string) => Object.assign(new Error(`${code}: from the system`), { code });

describe("explainErrno", () => {
  it("tells a refused permission, a read-only disk and a full disk as sentences", () => {
    const denied = explainErrno(errno("EACCES"), "src/a.ts") as FileError;
    expect(denied).toBeInstanceOf(FileError);
    expect(denied.kind).toBe("invalid");
    expect(denied.message).toBe('The server may not read or change "src/a.ts": permission denied.');
    expect((explainErrno(errno("EROFS"), "") as FileError).message).toMatch(
      /^The workspace folder is on a read-only file system/,
    );
    expect((explainErrno(errno("ENOSPC"), "x") as FileError).kind).toBe("limit");
  });

  it("leaves other failures as they were", () => {
    const other = errno("EIO");
    expect(explainErrno(other, "x")).toBe(other);
  });

  // Root reads whatever the mode says, so only another user sees the refusal.
  it.skipIf(process.getuid?.() === 0)(
    "a file its mode closes is refused, not a failure",
    async () => {
      const root = await mkdtemp(join(tmpdir(), "hearth-eacces-"));
      try {
        await writeFile(join(root, "closed.txt"), "x");
        await chmod(join(root, "closed.txt"), 0);
        const files = await WorkspaceFiles.open(root);
        await expect(files.read("closed.txt")).rejects.toMatchObject({ kind: "invalid" });
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  );
});
