/**
 * fs.* over real HTTP against a started server with a real SQLite file: every procedure's
 * happy path and errors, the traversal / symlink matrix, a stale mtime, binary and
 * oversize files, forks that copy the folder, and who may do what (owner, members it is
 * shared with, other members, other tenants).
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppRouter } from "@hearth/api";
import { checkConsistency, createRepositories } from "@hearth/db";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  browser,
  type clientFor,
  codeOf,
  register,
  snapshot,
  startApiServer,
  testClock,
} from "./api-test-helpers";
import type { TestServer } from "./testing";

const MAX_FILE = 2048;
const MAX_COPY = 64 * 1024;
let ts: TestServer;
const clock = testClock();
let n = 0;

beforeAll(async () => {
  process.env.HEARTH_MAX_FILE_BYTES = String(MAX_FILE);
  process.env.HEARTH_MAX_FORK_COPY_BYTES = String(MAX_COPY);
  try {
    ts = await startApiServer({ clock: clock.now });
  } finally {
    delete process.env.HEARTH_MAX_FILE_BYTES;
    delete process.env.HEARTH_MAX_FORK_COPY_BYTES;
  }
});
afterAll(async () => {
  // Every File record written above still matches its session and its indexes.
  const problems = ts ? await checkConsistency(ts.store) : [];
  await ts?.stop();
  expect(problems).toEqual([]);
});

type Api = ReturnType<typeof clientFor>;

async function signUp(b: Browser = browser()) {
  n++;
  const email = `fs${n}@hearth.test`;
  const { api, res } = await register(
    ts,
    { email, password: "a good long password", firstName: `U${n}`, lastName: "Test" },
    b,
  );
  return { b, api, email, userId: res.user.id, tenantId: res.tenant.id };
}

/**
 * A new member of `admin`'s tenant with `role`, signed in there. Added in the store, as an
 * operator would: how members join is not what this suite tests.
 */
async function memberOf(
  admin: Awaited<ReturnType<typeof signUp>>,
  role: "Admin" | "Developer" | "Viewer",
) {
  const m = await signUp();
  await createRepositories(ts.store).users.addMembership(admin.tenantId, m.userId, role);
  m.b.token = (await m.api.tenant.switch.mutate({ tenantId: admin.tenantId })).accessToken;
  return m;
}

/** The absolute folder of a session of `owner`, as the server lays them out. */
function folderOf(owner: { tenantId: string; userId: string }, path: string) {
  return join(ts.dataDir, "workspaces", owner.tenantId, owner.userId, ...path.split("/"));
}

async function errorOf(p: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCClientError) return err as TRPCClientError<AppRouter>;
    throw err;
  }
  throw new Error("expected the call to fail");
}

async function owner() {
  const ada = await signUp();
  await createRepositories(ts.store).tenants.update(ada.tenantId, { plan: "Pro" });
  const s = await ada.api.workspace.create.mutate({ name: "app", path: `app${n}` });
  return { ada, s, folder: folderOf(ada, `app${n}`) };
}

describe("fs over HTTP: happy paths", () => {
  it("mkdir, write, read, stat, list, rename, search, opened, recent, delete", async () => {
    const { ada, s } = await owner();
    const fs = ada.api.fs;
    const id = s.id;
    expect(await fs.mkdir.mutate({ workspaceId: id, path: "src" })).toEqual({
      path: "src",
      created: true,
    });
    const w = await fs.write.mutate({ workspaceId: id, path: "src/main.ts", content: "let x;\n" });
    expect(w).toMatchObject({ path: "src/main.ts", size: 7, created: true });
    await fs.write.mutate({ workspaceId: id, path: "README.md", content: "# app\n" });
    await fs.write.mutate({ workspaceId: id, path: "docs/deep/notes.md", content: "n" });

    const read = await fs.read.query({ workspaceId: id, path: "src/main.ts" });
    expect(read).toEqual({
      path: "src/main.ts",
      content: "let x;\n",
      encoding: "utf8",
      binary: false,
      tooLarge: false,
      size: 7,
      mtimeMs: w.mtimeMs,
    });
    const saved = await fs.write.mutate({
      workspaceId: id,
      path: "src/main.ts",
      content: "let x = 1;\n",
      expectedMtimeMs: read.mtimeMs,
    });
    expect(saved.created).toBe(false);
    expect(await fs.stat.query({ workspaceId: id, path: "src/main.ts" })).toEqual({
      path: "src/main.ts",
      kind: "file",
      size: 11,
      mtimeMs: saved.mtimeMs,
    });
    const list = await fs.list.query({ workspaceId: id, path: "" });
    expect(list.entries.map((e) => [e.name, e.kind])).toEqual([
      ["docs", "directory"],
      ["src", "directory"],
      ["README.md", "file"],
    ]);

    await fs.rename.mutate({ workspaceId: id, from: "src/main.ts", to: "src/index.ts" });
    expect(await codeOf(fs.read.query({ workspaceId: id, path: "src/main.ts" }))).toBe("NOT_FOUND");
    const opened = await fs.opened.mutate({ workspaceId: id, path: "src/index.ts" });
    expect(opened.file).toMatchObject({
      workspaceId: id,
      path: "src/index.ts",
      language: "typescript",
      size: 11,
      openCount: 1,
    });
    await fs.opened.mutate({ workspaceId: id, path: "README.md" });

    const hits = await fs.search.query({ workspaceId: id, query: "note" });
    expect(hits.items[0]).toMatchObject({ path: "docs/deep/notes.md", recent: false });
    const recentFirst = await fs.search.query({ workspaceId: id, query: "" });
    expect(recentFirst.items.slice(0, 2).map((h) => [h.path, h.recent])).toEqual([
      ["README.md", true],
      ["src/index.ts", true],
    ]);

    const recent = await fs.recent.query({ limit: 1 });
    expect(recent.items).toEqual([
      expect.objectContaining({ path: "README.md", workspaceId: id, workspaceName: "app" }),
    ]);
    const more = await fs.recent.query({ limit: 5, cursor: recent.nextCursor });
    expect(more.items.map((f) => f.path)).toEqual(["src/index.ts"]);

    expect(await fs.delete.mutate({ workspaceId: id, path: "src" })).toEqual({
      path: "src",
      kind: "directory",
    });
    expect((await fs.recent.query({})).items.map((f) => f.path)).toEqual(["README.md"]);
    expect((await fs.search.query({ workspaceId: id, query: "index" })).items).toEqual([]);
  });

  it("a fork with copyFiles gets its own folder; over the copy cap nothing is made", async () => {
    const { ada, s, folder } = await owner();
    await ada.api.fs.write.mutate({ workspaceId: s.id, path: "a.txt", content: "parent" });
    const fork = await ada.api.workspace.fork.mutate({ id: s.id, name: "try", copyFiles: true });
    expect(fork.workspacePath).not.toBe(s.workspacePath);
    await ada.api.fs.write.mutate({ workspaceId: fork.id, path: "a.txt", content: "fork" });
    expect(await readFile(join(folder, "a.txt"), "utf8")).toBe("parent");
    const shared = await ada.api.workspace.fork.mutate({ id: s.id, name: "same folder" });
    expect(shared.workspacePath).toBe(s.workspacePath);

    await writeFile(join(folder, "big.bin"), Buffer.alloc(MAX_COPY + 1));
    const before = await readdir(join(folder, ".."));
    const sessions = (await ada.api.workspace.list.query({})).items.length;
    const err = await errorOf(
      ada.api.workspace.fork.mutate({ id: s.id, name: "too big", copyFiles: true }),
    );
    expect(err.data?.code).toBe("PRECONDITION_FAILED");
    expect(err.message).toMatch(new RegExp(`${MAX_COPY} bytes`));
    expect(await readdir(join(folder, ".."))).toEqual(before);
    expect((await ada.api.workspace.list.query({})).items.length).toBe(sessions);

    // A fork refused after the copy (the plan's workspace limit) leaves no folder behind.
    await ada.api.fs.delete.mutate({ workspaceId: s.id, path: "big.bin" });
    await createRepositories(ts.store).tenants.update(ada.tenantId, {
      settings: { maxWorkspaces: sessions },
    });
    const limited = await errorOf(
      ada.api.workspace.fork.mutate({ id: s.id, name: "one too many", copyFiles: true }),
    );
    expect(limited.data?.code).toBe("PRECONDITION_FAILED");
    expect(limited.data?.limit).toBe("maxWorkspaces");
    expect(await readdir(join(folder, ".."))).toEqual(before);
  });
});

describe("fs over HTTP: errors", () => {
  it("a stale expectedMtimeMs is CONFLICT with the current mtime; the disk keeps its text", async () => {
    const { ada, s, folder } = await owner();
    const fs = ada.api.fs;
    const w = await fs.write.mutate({ workspaceId: s.id, path: "f.ts", content: "mine" });
    await new Promise((r) => setTimeout(r, 5));
    await writeFile(join(folder, "f.ts"), "theirs");
    const current = (await fs.stat.query({ workspaceId: s.id, path: "f.ts" })).mtimeMs;
    const err = await errorOf(
      fs.write.mutate({
        workspaceId: s.id,
        path: "f.ts",
        content: "x",
        expectedMtimeMs: w.mtimeMs,
      }),
    );
    expect(err.data?.code).toBe("CONFLICT");
    expect(err.data?.currentMtimeMs).toBe(current);
    expect(await readFile(join(folder, "f.ts"), "utf8")).toBe("theirs");
  });

  it("missing paths, folders as files, the root, overwrites and bad input", async () => {
    const { ada, s } = await owner();
    const fs = ada.api.fs;
    const id = s.id;
    await fs.write.mutate({ workspaceId: id, path: "d/a.txt", content: "a" });
    await fs.write.mutate({ workspaceId: id, path: "b.txt", content: "b" });
    const cases: Array<[string, () => Promise<unknown>, string]> = [
      ["read missing", () => fs.read.query({ workspaceId: id, path: "nope.txt" }), "NOT_FOUND"],
      ["list missing", () => fs.list.query({ workspaceId: id, path: "nope" }), "NOT_FOUND"],
      ["stat missing", () => fs.stat.query({ workspaceId: id, path: "nope" }), "NOT_FOUND"],
      ["delete missing", () => fs.delete.mutate({ workspaceId: id, path: "nope" }), "NOT_FOUND"],
      [
        "rename missing",
        () => fs.rename.mutate({ workspaceId: id, from: "x", to: "y" }),
        "NOT_FOUND",
      ],
      ["read a folder", () => fs.read.query({ workspaceId: id, path: "d" }), "BAD_REQUEST"],
      ["list a file", () => fs.list.query({ workspaceId: id, path: "b.txt" }), "BAD_REQUEST"],
      [
        "write a folder",
        () => fs.write.mutate({ workspaceId: id, path: "d", content: "" }),
        "BAD_REQUEST",
      ],
      ["delete the root", () => fs.delete.mutate({ workspaceId: id, path: "." }), "BAD_REQUEST"],
      [
        "rename the root",
        () => fs.rename.mutate({ workspaceId: id, from: "", to: "x" }),
        "BAD_REQUEST",
      ],
      [
        "rename onto a file",
        () => fs.rename.mutate({ workspaceId: id, from: "d/a.txt", to: "b.txt" }),
        "CONFLICT",
      ],
      ["mkdir over a file", () => fs.mkdir.mutate({ workspaceId: id, path: "b.txt" }), "CONFLICT"],
      ["opened a folder", () => fs.opened.mutate({ workspaceId: id, path: "d" }), "BAD_REQUEST"],
      [
        "content not text",
        () => fs.write.mutate({ workspaceId: id, path: "c", content: 5 as unknown as string }),
        "BAD_REQUEST",
      ],
      [
        "unknown session",
        () => fs.list.query({ workspaceId: "nonexistent", path: "" }),
        "NOT_FOUND",
      ],
      [
        "search limit 0",
        () => fs.search.query({ workspaceId: id, query: "a", limit: 0 }),
        "BAD_REQUEST",
      ],
      [
        "recent, a forged cursor",
        () => fs.recent.query({ cursor: "not a cursor!" }),
        "BAD_REQUEST",
      ],
    ];
    for (const [what, call, code] of cases) {
      const err = await errorOf(call());
      expect(err.data?.code, what).toBe(code);
      expect(err.message, what).toMatch(/^[A-Z"]/);
    }
    await fs.rename.mutate({ workspaceId: id, from: "d/a.txt", to: "b.txt", overwrite: true });
    expect((await fs.read.query({ workspaceId: id, path: "b.txt" })).content).toBe("a");
  });

  it("binary and oversize files read as flags; an oversize write is PAYLOAD_TOO_LARGE", async () => {
    const { ada, s, folder } = await owner();
    await writeFile(join(folder, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0, 0]));
    await writeFile(join(folder, "huge.log"), "x".repeat(MAX_FILE + 1));
    const fs = ada.api.fs;
    expect(await fs.read.query({ workspaceId: s.id, path: "logo.png" })).toMatchObject({
      binary: true,
      tooLarge: false,
      content: null,
      size: 7,
    });
    expect(await fs.read.query({ workspaceId: s.id, path: "huge.log" })).toMatchObject({
      binary: false,
      tooLarge: true,
      content: null,
      size: MAX_FILE + 1,
    });
    const err = await errorOf(
      fs.write.mutate({ workspaceId: s.id, path: "new.log", content: "y".repeat(MAX_FILE + 1) }),
    );
    expect(err.data?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(existsSync(join(folder, "new.log"))).toBe(false);
  });
});

describe("fs over HTTP: the traversal and symlink matrix", () => {
  it("refuses every bad path in every procedure with a sentence, touching nothing", async () => {
    const { ada, s, folder } = await owner();
    const outside = join(ts.dataDir, `outside${n}`);
    await mkdir(outside);
    await writeFile(join(outside, "secret.txt"), "secret");
    await writeFile(join(folder, "ok.txt"), "ok");
    await symlink(join(outside, "secret.txt"), join(folder, "to-secret"));
    await symlink(outside, join(folder, "to-outside"));
    await symlink(join(outside, "created-later.txt"), join(folder, "dangling"));
    await symlink("../../../..", join(folder, "up"));
    await symlink(join(ts.dataDir, "jwt.key"), join(folder, "key"));

    const bad: Array<[string, RegExp]> = [
      ["../x", /\.\./],
      ["a/../../x", /\.\./],
      ["/etc/passwd", /absolute/],
      ["a\u0000b", /NUL/],
      ["n".repeat(256), /255 bytes/],
      [`${"d/".repeat(2100)}x`, /4096 bytes/],
      ["to-secret", /outside/],
      ["to-outside/secret.txt", /outside/],
      ["to-outside/new.txt", /outside/],
      ["dangling", /outside/],
      ["up/jwt.key", /outside/],
      ["key", /outside/],
    ];
    const fs = ada.api.fs;
    const id = s.id;
    const procedures: Array<[string, (p: string) => Promise<unknown>]> = [
      ["list", (p) => fs.list.query({ workspaceId: id, path: p })],
      ["read", (p) => fs.read.query({ workspaceId: id, path: p })],
      ["stat", (p) => fs.stat.query({ workspaceId: id, path: p })],
      ["write", (p) => fs.write.mutate({ workspaceId: id, path: p, content: "pwned" })],
      ["mkdir", (p) => fs.mkdir.mutate({ workspaceId: id, path: p })],
      ["rename from", (p) => fs.rename.mutate({ workspaceId: id, from: p, to: "moved" })],
      ["rename to", (p) => fs.rename.mutate({ workspaceId: id, from: "ok.txt", to: p })],
      ["delete", (p) => fs.delete.mutate({ workspaceId: id, path: p })],
      ["opened", (p) => fs.opened.mutate({ workspaceId: id, path: p })],
    ];
    const before = await snapshot(ts);
    for (const [name, call] of procedures) {
      for (const [path, message] of bad) {
        const err = await errorOf(call(path));
        const what = `${name} ${path.slice(0, 30)}`;
        expect(err.data?.code, what).toBe("BAD_REQUEST");
        expect(err.message, what).toMatch(message);
      }
    }
    // A dangling link's target created afterwards is still refused.
    await writeFile(join(outside, "created-later.txt"), "later");
    expect(await codeOf(fs.read.query({ workspaceId: id, path: "dangling" }))).toBe("BAD_REQUEST");

    expect(await snapshot(ts)).toBe(before);
    expect((await readdir(outside)).sort()).toEqual(["created-later.txt", "secret.txt"]);
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("secret");
    expect(await readFile(join(outside, "created-later.txt"), "utf8")).toBe("later");
    expect(await readFile(join(folder, "ok.txt"), "utf8")).toBe("ok");
  });
});

describe("fs over HTTP: who may do what", () => {
  function everyProcedure(
    api: Api,
    id: string,
  ): Array<[string, () => Promise<unknown>, "read" | "write"]> {
    return [
      ["list", () => api.fs.list.query({ workspaceId: id, path: "" }), "read"],
      ["read", () => api.fs.read.query({ workspaceId: id, path: "a.txt" }), "read"],
      ["stat", () => api.fs.stat.query({ workspaceId: id, path: "a.txt" }), "read"],
      ["search", () => api.fs.search.query({ workspaceId: id, query: "a" }), "read"],
      ["opened", () => api.fs.opened.mutate({ workspaceId: id, path: "a.txt" }), "read"],
      [
        "write",
        () => api.fs.write.mutate({ workspaceId: id, path: "a.txt", content: "x" }),
        "write",
      ],
      ["mkdir", () => api.fs.mkdir.mutate({ workspaceId: id, path: "newdir" }), "write"],
      [
        "rename",
        () => api.fs.rename.mutate({ workspaceId: id, from: "a.txt", to: "b.txt" }),
        "write",
      ],
      ["delete", () => api.fs.delete.mutate({ workspaceId: id, path: "a.txt" }), "write"],
    ];
  }

  it("other tenants and unshared members get NOT_FOUND; shared members read but may not write", async () => {
    const { ada, s, folder } = await owner();
    await ada.api.fs.write.mutate({ workspaceId: s.id, path: "a.txt", content: "ada's" });
    const eve = await signUp();
    const bob = await memberOf(ada, "Developer");
    const viv = await memberOf(ada, "Viewer");
    // An Admin of the tenant lists and deletes sessions, but never reads their files.
    const ann = await memberOf(ada, "Admin");
    const before = await snapshot(ts);

    for (const who of [eve, bob, viv, ann]) {
      for (const [name, call] of everyProcedure(who.api, s.id)) {
        expect(await codeOf(call()), `${who.email} ${name}`).toBe("NOT_FOUND");
      }
    }
    expect(await snapshot(ts)).toBe(before);

    await ada.api.workspace.share.mutate({ id: s.id, userIds: [bob.userId, viv.userId] });
    for (const who of [bob, viv]) {
      for (const [name, call, kind] of everyProcedure(who.api, s.id)) {
        expect(await codeOf(call()), `${who.email} ${name}`).toBe(
          kind === "read" ? "OK" : "FORBIDDEN",
        );
      }
      expect((await who.api.fs.read.query({ workspaceId: s.id, path: "a.txt" })).content).toBe(
        "ada's",
      );
      expect(await who.api.fs.opened.mutate({ workspaceId: s.id, path: "a.txt" })).toEqual({
        file: null,
      });
      expect((await who.api.fs.recent.query({})).items).toEqual([]);
    }
    expect(await readFile(join(folder, "a.txt"), "utf8")).toBe("ada's");
    expect(existsSync(join(folder, "newdir"))).toBe(false);
    // Still invisible to the other tenant after the share.
    for (const [name, call] of everyProcedure(eve.api, s.id)) {
      expect(await codeOf(call()), `eve ${name}`).toBe("NOT_FOUND");
    }
  });
});
