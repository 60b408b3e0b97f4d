import { describe, expect, it } from "vitest";
import { checkConsistency } from "../consistency";
import { fileKeys } from "../keyspace";
import { NotFoundError } from "./errors";
import { createWorkspaceSession, errorOf, registerUser, useTestStore } from "./testing";

const ctx = useTestStore();
const lang = (p: string) => (p.endsWith(".ts") ? "typescript" : "plaintext");
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

async function setup() {
  const { user, tenant } = await registerUser(ctx.repos);
  const a = await createWorkspaceSession(ctx.repos, tenant.id, user.id);
  const b = await createWorkspaceSession(ctx.repos, tenant.id, user.id, { workspacePath: "b" });
  return { t: tenant.id, a, b, files: ctx.repos.files };
}

describe("WorkspaceFileRepository", () => {
  it("records edits and opens, and lists recent files newest first across sessions", async () => {
    const { t, a, b, files } = await setup();
    await files.recordEdit(t, a, {
      path: "src/x.ts",
      size: 10,
      language: "typescript",
      now: at(1),
    });
    await files.recordOpen(t, a, {
      path: "src/x.ts",
      size: 12,
      language: "typescript",
      now: at(2),
    });
    await files.recordOpen(t, b, { path: "README.md", size: 3, language: "markdown", now: at(3) });
    const x = await files.recordOpen(t, a, {
      path: "src/x.ts",
      size: 12,
      language: "typescript",
      now: at(4),
    });
    expect(x).toEqual({
      sessionId: a.id,
      path: "src/x.ts",
      language: "typescript",
      size: 12,
      lastOpenedAt: at(4).toISOString(),
      lastEditedAt: at(1).toISOString(),
      openCount: 2,
    });
    const page1 = await files.recentOfUser(t, a.userId, { limit: 1 });
    expect(page1.items.map((f) => [f.sessionId, f.path])).toEqual([[a.id, "src/x.ts"]]);
    const page2 = await files.recentOfUser(t, a.userId, { limit: 1, cursor: page1.nextCursor });
    expect(page2.items.map((f) => [f.sessionId, f.path])).toEqual([[b.id, "README.md"]]);
    expect(page2.nextCursor).toBeNull();
    expect(await files.openedInWorkspace(t, a.id)).toEqual(["src/x.ts"]);
  });

  it("a rename moves the file and everything below a folder, a delete drops them", async () => {
    const { t, a, files } = await setup();
    for (const [i, path] of ["src/a.ts", "src/deep/b.ts", "srcx.ts", "other.txt"].entries()) {
      await files.recordOpen(t, a, { path, size: i, language: lang(path), now: at(i) });
    }
    await files.recordEdit(t, a, { path: "lib/old.txt", size: 1, language: "plaintext" });
    expect(await files.move(t, a, "src", "lib", lang)).toBe(2);
    expect(await files.get(t, a.id, "lib/old.txt")).toBeUndefined();
    expect(await files.get(t, a.id, "src/a.ts")).toBeUndefined();
    expect(await files.get(t, a.id, "lib/deep/b.ts")).toMatchObject({ openCount: 1, size: 1 });
    expect(await files.get(t, a.id, "srcx.ts")).toBeDefined();
    await files.move(t, a, "other.txt", "other.ts", lang);
    expect(await files.get(t, a.id, "other.ts")).toMatchObject({ language: "typescript" });
    expect(await files.openedInWorkspace(t, a.id)).toEqual([
      "other.ts",
      "srcx.ts",
      "lib/deep/b.ts",
      "lib/a.ts",
    ]);
    expect(await files.drop(t, a, "lib")).toBe(2);
    expect((await files.recentOfUser(t, a.userId)).items.map((f) => f.path)).toEqual([
      "other.ts",
      "srcx.ts",
    ]);
  });

  it("deleting the session drops its files; a file of no session is refused", async () => {
    const { t, a, b, files } = await setup();
    await files.recordOpen(t, a, { path: "a.ts", size: 1, language: "typescript" });
    await files.recordOpen(t, b, { path: "b.ts", size: 1, language: "typescript" });
    await ctx.repos.workspaceSessions.delete(t, a.id);
    expect(await files.get(t, a.id, "a.ts")).toBeUndefined();
    expect((await files.recentOfUser(t, a.userId)).items.map((f) => f.path)).toEqual(["b.ts"]);
    const err = await errorOf(
      files.recordOpen(t, a, { path: "a.ts", size: 1, language: "typescript" }),
    );
    expect(err).toBeInstanceOf(NotFoundError);
  });

  it("checkConsistency reports a recency entry without its record", async () => {
    const { t, a, files } = await setup();
    await files.recordOpen(t, a, { path: "a.ts", size: 1, language: "typescript", now: at(5) });
    await ctx.store.transact(async (tx) => tx.clear(fileKeys(t).file(a.id, "a.ts")));
    const problems = await checkConsistency(ctx.store);
    expect(problems.map((p) => p.kind)).toEqual(["index_without_record", "index_without_record"]);
    await files.drop(t, a, "a.ts");
    await ctx.store.transact(async (tx) => {
      tx.clear(fileKeys(t).opened(a.id, at(5).getTime(), "a.ts"));
      tx.clear(fileKeys(t).recent(a.userId, at(5).getTime(), a.id, "a.ts"));
    });
  });
});
