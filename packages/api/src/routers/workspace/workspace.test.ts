import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StoreError } from "@hearth/db";
import { describe, expect, it } from "vitest";
import { expectCode, registerMember, setPlan, shapeOf, useHarness } from "../../testing/harness";

const ctx = useHarness({ config: { maxSessionBufferBytes: 1024 * 1024 } });

const editor = {
  layout: "split-vertical" as const,
  activeTabIndex: 1,
  openTabs: [
    { path: "src/a.ts", viewState: { cursorState: [{ position: { lineNumber: 3, column: 7 } }] } },
    { path: "README.md", viewState: null, language: "markdown" },
  ],
};

describe("workspace procedures", () => {
  it("create makes the folder under the caller's own root and returns the whole session", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "  Demo  ", path: "demo/app", tags: ["ts"] });
    expect(s).toMatchObject({
      name: "Demo",
      workspacePath: "demo/app",
      tags: ["ts"],
      rev: 0,
      userId: ctx.ada.userId,
      parentSessionId: null,
      editor: { layout: "single", activeTabIndex: -1, openTabs: [] },
      buffers: {},
    });
    const root = join(ctx.h.config.workspacesDir, ctx.ada.tenantId, ctx.ada.userId);
    expect(existsSync(join(root, "demo", "app"))).toBe(true);
  });

  it("refuses unsafe folder paths with BAD_REQUEST and stores nothing", async () => {
    const api = await ctx.ada.client.api();
    for (const path of ["../escape", "/etc", "a/../../b", "a\u0000b", "", ".", "a//b", "a\\b"]) {
      const err = await expectCode(api.workspace.create({ name: "x", path }), "BAD_REQUEST");
      expect(shapeOf(err).data.zodError).not.toBeNull();
    }
    expect((await api.workspace.list()).items).toEqual([]);
  });

  it("refuses tags, folder and buffer paths that cannot be store keys", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "x", path: "x" });
    for (const bad of ["a\u0000b", "\uD800", "tab\there"]) {
      await expectCode(api.workspace.create({ name: "x", path: `p${bad}` }), "BAD_REQUEST");
      await expectCode(api.workspace.create({ name: "x", path: "p", tags: [bad] }), "BAD_REQUEST");
      await expectCode(api.workspace.update({ id: s.id, tags: [bad] }), "BAD_REQUEST");
      await expectCode(
        api.workspace.autosave({ id: s.id, baseRev: 0, buffers: { [bad]: "t" } }),
        "BAD_REQUEST",
      );
    }
    // Unicode that is well-formed is fine.
    await api.workspace.update({ id: s.id, tags: ["é", "日本", "🔥"] });
    await api.workspace.autosave({ id: s.id, baseRev: 0, buffers: { "docs/🔥.md": "hot" } });
    expect((await api.workspace.get({ id: s.id })).buffers).toEqual({ "docs/🔥.md": "hot" });
  });

  it("refuses a path where a file is in the way", async () => {
    const api = await ctx.ada.client.api();
    await api.workspace.create({ name: "x", path: "proj" });
    const root = join(ctx.h.config.workspacesDir, ctx.ada.tenantId, ctx.ada.userId);
    await writeFile(join(root, "proj", "file.txt"), "hi");
    await expectCode(api.workspace.create({ name: "y", path: "proj/file.txt" }), "BAD_REQUEST");
  });

  it("autosave writes parts, bumps rev, and get resumes exactly what was saved", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w" });
    const saved = await api.workspace.autosave({
      id: s.id,
      baseRev: 0,
      editor,
      terminal: {
        cwd: "/w/src",
        commandHistory: ["ls", "npm test"],
        environmentVars: { NODE_ENV: "test" },
        scrollback: "\u001b[32mok\u001b[0m\r\n",
      },
      debug: {
        breakpoints: [{ path: "src/a.ts", line: 4, enabled: true }],
        watchExpressions: ["x"],
      },
      memory: {
        facts: ["uses vitest"],
        decisions: [{ text: "tabs", at: "2026-01-02T03:04:05.000Z" }],
      },
      buffers: { "src/a.ts": "let x = 1;\n", "b.txt": "" },
    });
    expect(saved.rev).toBe(1);
    expect(Date.parse(saved.savedAt)).not.toBeNaN();

    const again = await api.workspace.autosave({
      id: s.id,
      baseRev: 1,
      buffers: { "b.txt": null, "src/a.ts": "let x = 2;\n" },
    });
    expect(again.rev).toBe(2);

    const got = await api.workspace.get({ id: s.id });
    expect(got.rev).toBe(2);
    expect(got.editor).toEqual(editor);
    expect(got.terminal.scrollback).toBe("\u001b[32mok\u001b[0m\r\n");
    expect(got.terminal.commandHistory).toEqual(["ls", "npm test"]);
    expect(got.debug.breakpoints).toHaveLength(1);
    expect(got.memory.facts).toEqual(["uses vitest"]);
    expect(got.buffers).toEqual({ "src/a.ts": "let x = 2;\n" });
  });

  it("refuses a view state that is not JSON, and stores nothing", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w" });
    for (const viewState of [{ scrollTop: Number.NaN }, { at: new Date() }, [() => 1]]) {
      // What a caller without types could send: checked at run time, not by the compiler.
      const tab = { path: "a.ts", viewState: viewState as unknown as string };
      await expectCode(
        api.workspace.autosave({
          id: s.id,
          baseRev: 0,
          editor: { layout: "single", activeTabIndex: 0, openTabs: [tab] },
        }),
        "BAD_REQUEST",
      );
    }
    expect((await api.workspace.get({ id: s.id })).rev).toBe(0);
  });

  it("a stale baseRev is CONFLICT with currentRev in the error data, and changes nothing", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w" });
    await api.workspace.autosave({ id: s.id, baseRev: 0, editor });
    for (const input of [
      { id: s.id, baseRev: 0, editor: { ...editor, activeTabIndex: 0 } },
      { id: s.id, baseRev: 0, buffers: { "x.ts": "lost?" } },
    ]) {
      const err = await expectCode(api.workspace.autosave(input), "CONFLICT");
      expect(shapeOf(err).data).toMatchObject({ code: "CONFLICT", httpStatus: 409, currentRev: 1 });
    }
    const got = await api.workspace.get({ id: s.id });
    expect(got.editor.activeTabIndex).toBe(1);
    expect(got.buffers).toEqual({});
  });

  it("list pages the caller's sessions, most recently active first", async () => {
    const api = await ctx.ada.client.api();
    await setPlan(ctx.h, ctx.ada.tenantId, "Pro");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ctx.h.advance(1000);
      ids.push((await api.workspace.create({ name: `w${i}`, path: `w${i}` })).id);
    }
    ctx.h.advance(1000);
    await api.workspace.autosave({ id: ids[1]!, baseRev: 0, editor });
    const first = await api.workspace.list({ limit: 2 });
    expect(first.items.map((i) => i.id)).toEqual([ids[1], ids[4]]);
    expect(first.nextCursor).not.toBeNull();
    const rest = await api.workspace.list({ limit: 10, cursor: first.nextCursor });
    expect(rest.items.map((i) => i.id)).toEqual([ids[3], ids[2], ids[0]]);
    expect(rest.nextCursor).toBeNull();
    await expectCode(api.workspace.list({ cursor: "not a cursor!" }), "BAD_REQUEST");
  });

  it("related finds the caller's sessions sharing any tag", async () => {
    const api = await ctx.ada.client.api();
    const a = await api.workspace.create({ name: "a", path: "a", tags: ["rust", "cli"] });
    const b = await api.workspace.create({ name: "b", path: "b", tags: ["web"] });
    ctx.h.advance(1000);
    const c = await api.workspace.create({ name: "c", path: "c", tags: ["cli"] });
    const related = await api.workspace.related({ tags: ["cli", "nothing"] });
    expect(related.items.map((i) => i.id)).toEqual([c.id, a.id]);
    expect((await api.workspace.related({ tags: ["web"] })).items.map((i) => i.id)).toEqual([b.id]);
  });

  it("fork copies the state; children lists the forks", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w", tags: ["t"] });
    await api.workspace.autosave({ id: s.id, baseRev: 0, editor, buffers: { "a.ts": "unsaved" } });
    const f = await api.workspace.fork({ id: s.id, name: "w (fork)" });
    expect(f).toMatchObject({
      name: "w (fork)",
      parentSessionId: s.id,
      workspacePath: "w",
      rev: 0,
      editor,
      buffers: { "a.ts": "unsaved" },
    });
    const children = await api.workspace.children({ id: s.id });
    expect(children.items.map((c) => c.id)).toEqual([f.id]);
    expect((await api.workspace.children({ id: f.id })).items).toEqual([]);
  });

  it("update renames and retags; delete removes the session", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w", tags: ["old"] });
    const u = await api.workspace.update({ id: s.id, name: "renamed", tags: ["new"] });
    expect(u).toMatchObject({ name: "renamed", tags: ["new"] });
    expect((await api.workspace.related({ tags: ["old"] })).items).toEqual([]);
    expect((await api.workspace.related({ tags: ["new"] })).items).toHaveLength(1);
    ctx.h.advance(1000);
    expect(await api.workspace.delete({ id: s.id })).toEqual({ id: s.id, deleted: true });
    await expectCode(api.workspace.get({ id: s.id }), "NOT_FOUND");
    await expectCode(api.workspace.delete({ id: s.id }), "NOT_FOUND");
    const events = await api.audit.list();
    expect(events.items[0]).toMatchObject({
      action: "workspace.deleted",
      actorUserId: ctx.ada.userId,
      tenantId: ctx.ada.tenantId,
      ipAddress: "203.0.113.7",
      userAgent: "vitest-browser/1.0",
      detail: { sessionId: s.id },
    });
  });

  it("unknown ids are NOT_FOUND everywhere", async () => {
    const api = await ctx.ada.client.api();
    const id = "01jzzzzzzzzzzzzzzzzzzzzzzz";
    await expectCode(api.workspace.get({ id }), "NOT_FOUND");
    await expectCode(api.workspace.children({ id }), "NOT_FOUND");
    await expectCode(api.workspace.fork({ id, name: "f" }), "NOT_FOUND");
    await expectCode(api.workspace.autosave({ id, baseRev: 0, editor }), "NOT_FOUND");
    await expectCode(api.workspace.autosave({ id, baseRev: 0, buffers: { a: "b" } }), "NOT_FOUND");
    await expectCode(api.workspace.update({ id, name: "n" }), "NOT_FOUND");
    await expectCode(api.workspace.delete({ id }), "NOT_FOUND");
  });
});

describe("plan limits", () => {
  it("maxWorkspaces is PRECONDITION_FAILED naming the limit, for create and fork", async () => {
    const api = await ctx.ada.client.api();
    // Free: 5 workspaces.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await api.workspace.create({ name: `w${i}`, path: "p" })).id);
    const err = await expectCode(
      api.workspace.create({ name: "six", path: "p" }),
      "PRECONDITION_FAILED",
    );
    expect(err.message).toMatch(/at most 5 workspaces \(maxWorkspaces\)/);
    expect(shapeOf(err).data).toMatchObject({ limit: "maxWorkspaces", max: 5, httpStatus: 412 });
    await expectCode(api.workspace.fork({ id: ids[0]!, name: "f" }), "PRECONDITION_FAILED");
    expect((await api.workspace.list({ limit: 100 })).items).toHaveLength(5);
    await api.workspace.delete({ id: ids[0]! });
    await api.workspace.create({ name: "six", path: "p" });
  });
});

describe("session buffer cap", () => {
  it("a save that would hold more unsaved text than the cap is PAYLOAD_TOO_LARGE, nothing stored", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w" });
    const half = "x".repeat(600 * 1024);
    await api.workspace.autosave({ id: s.id, baseRev: 0, buffers: { "a.txt": half } });
    const err = await expectCode(
      api.workspace.autosave({ id: s.id, baseRev: 1, editor, buffers: { "b.txt": half } }),
      "PAYLOAD_TOO_LARGE",
    );
    expect(shapeOf(err).data.httpStatus).toBe(413);
    const got = await api.workspace.get({ id: s.id });
    expect(got.rev).toBe(1);
    expect(Object.keys(got.buffers)).toEqual(["a.txt"]);
    expect(got.editor.openTabs).toEqual([]);
    // Replacing a buffer counts its new size only; dropping one frees its room.
    await api.workspace.autosave({ id: s.id, baseRev: 1, buffers: { "a.txt": half } });
    await api.workspace.autosave({
      id: s.id,
      baseRev: 2,
      buffers: { "a.txt": null, "b.txt": half },
    });
    expect(Object.keys((await api.workspace.get({ id: s.id })).buffers)).toEqual(["b.txt"]);
  });

  it("over the cap, a missing, foreign or stale session keeps its own error; the cap's says how much", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Pro");
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w" });
    const big = "x".repeat(700 * 1024);
    await api.workspace.autosave({ id: s.id, baseRev: 0, buffers: { "a.txt": big } });
    const over = { "b.txt": big };
    const err = await expectCode(
      api.workspace.autosave({ id: s.id, baseRev: 1, buffers: over }),
      "PAYLOAD_TOO_LARGE",
    );
    expect(err.message).toBe(
      "Unsaved buffers would hold 1.4 MB; a session holds at most 1.0 MB. Save some files first.",
    );
    const stale = await expectCode(
      api.workspace.autosave({ id: s.id, baseRev: 0, buffers: over }),
      "CONFLICT",
    );
    expect(shapeOf(stale).data).toMatchObject({ currentRev: 1 });
    await expectCode(
      api.workspace.autosave({ id: "01abcdefghjkmnpqrstvwxyz00", baseRev: 1, buffers: over }),
      "NOT_FOUND",
    );
    const dev = await registerMember(ctx.h, ctx.ada, "Developer");
    const d = await dev.client.api();
    // Another member's session is as missing as no session; shared, it is read-only.
    await expectCode(d.workspace.autosave({ id: s.id, baseRev: 1, buffers: over }), "NOT_FOUND");
    await api.workspace.share({ id: s.id, userIds: [dev.userId] });
    await expectCode(d.workspace.autosave({ id: s.id, baseRev: 1, buffers: over }), "FORBIDDEN");
    const got = await api.workspace.get({ id: s.id });
    expect(got.rev).toBe(1);
    expect(Object.keys(got.buffers)).toEqual(["a.txt"]);
  });

  it("one save larger than a transaction holds is PAYLOAD_TOO_LARGE, never a 500", async () => {
    ctx.h.config.maxSessionBufferBytes = 64 * 1024 * 1024;
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w" });
    const big = "y".repeat(5 * 1024 * 1024);
    await expectCode(
      api.workspace.autosave({ id: s.id, baseRev: 0, buffers: { a: big, b: big } }),
      "PAYLOAD_TOO_LARGE",
    );
    await expectCode(
      api.workspace.autosave({
        id: s.id,
        baseRev: 0,
        terminal: { cwd: ".", commandHistory: [], environmentVars: {}, scrollback: big + big },
      }),
      "PAYLOAD_TOO_LARGE",
    );
    expect((await api.workspace.get({ id: s.id })).rev).toBe(0);
  });
});

describe("the sign-in check inside the save's transaction", () => {
  it("an autosave is refused on the very next save once its session ends or its member is removed, and nothing is saved", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Pro");
    const admin = await ctx.ada.client.api();
    const bob = await registerMember(ctx.h, ctx.ada, "Developer");
    const s = await (await bob.client.api()).workspace.create({ name: "b", path: "b" });
    expect(
      (await (await bob.client.api()).workspace.autosave({ id: s.id, baseRev: 0, editor })).rev,
    ).toBe(1);

    // Another tab refreshed: the token of the rotated session keeps saving, as authedProcedure
    // lets it read.
    const rotatedToken = bob.client.accessToken;
    const refreshed = await (await bob.client.api()).auth.refresh({});
    expect(refreshed.accessToken).not.toBe(rotatedToken);
    expect(
      (await (await bob.client.api()).workspace.autosave({ id: s.id, baseRev: 1, editor })).rev,
    ).toBe(2);

    // Removed from the tenant: refused at once, with the token still unexpired.
    await admin.tenant.removeMember({ userId: bob.userId });
    await expectCode(
      (await bob.client.api()).workspace.autosave({ id: s.id, baseRev: 2, editor }),
      "UNAUTHORIZED",
    );
    // Ada's own session, ended by logoutAll: refused on the next save.
    const mine = await admin.workspace.create({ name: "a", path: "a" });
    await admin.workspace.autosave({ id: mine.id, baseRev: 0, buffers: { "a.ts": "kept" } });
    await admin.auth.logoutAll();
    await expectCode(
      (await ctx.ada.client.api()).workspace.autosave({
        id: mine.id,
        baseRev: 1,
        buffers: { "a.ts": "lost?" },
      }),
      "UNAUTHORIZED",
    );

    const repo = ctx.h.repos.workspaceSessions;
    expect((await repo.getById(ctx.ada.tenantId, s.id))?.rev).toBe(2);
    const kept = await repo.getById(ctx.ada.tenantId, mine.id);
    expect(kept?.rev).toBe(1);
    expect(kept?.buffers).toEqual({ "a.ts": "kept" });
  });

  it("a retryable store failure during the sign-in check retries the save, which then lands once", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w" });
    const store = ctx.h.store;
    const attempt = store.transactOnce.bind(store);
    let failures = 0;
    // The first read of the autosave's transaction (the auth session) fails the way a
    // FoundationDB cluster can make a read fail.
    store.transactOnce = (fn) =>
      attempt((tx) => {
        const get = tx.get;
        tx.get = (key) => {
          if (failures === 0) {
            failures++;
            return Promise.reject(new StoreError("transaction_too_old", "too old"));
          }
          return get.call(tx, key);
        };
        return fn(tx);
      });
    try {
      expect((await api.workspace.autosave({ id: s.id, baseRev: 0, editor })).rev).toBe(1);
    } finally {
      store.transactOnce = attempt;
    }
    expect(failures).toBe(1);
    expect((await api.workspace.get({ id: s.id })).rev).toBe(1);
  });

  it("a bad token is refused before the input is looked at; an ended session once it is valid", async () => {
    const api = await ctx.ada.client.api();
    const s = await api.workspace.create({ name: "w", path: "w" });
    const forged = `${ctx.ada.client.accessToken!.slice(0, -4)}AAAA`;
    ctx.ada.client.accessToken = forged;
    await expectCode(
      (await ctx.ada.client.api()).workspace.autosave({ id: "", baseRev: -1 }),
      "UNAUTHORIZED",
    );
    ctx.ada.client.accessToken = null;
    await expectCode(
      (await ctx.ada.client.api()).workspace.autosave({ id: s.id, baseRev: 0 }),
      "UNAUTHORIZED",
    );
    expect((await ctx.h.repos.workspaceSessions.getById(ctx.ada.tenantId, s.id))?.rev).toBe(0);
  });
});
