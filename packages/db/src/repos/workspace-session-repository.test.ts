import { describe, expect, it } from "vitest";
import { checkConsistency } from "../consistency";
import { tenantKeys, WS_PART } from "../keyspace";
import type { Tenant } from "../models/tenant";
import type { EditorState } from "../models/workspace-session";
import { decodeCounter } from "../store/counter";
import { withFaults } from "../store/faults";
import type { Bytes, Store, Transaction } from "../store/types";
import {
  ConflictError,
  LimitError,
  NotFoundError,
  NotOwnerError,
  PayloadTooLargeError,
  ValidationError,
} from "./errors";
import { type CreateWorkspaceSessionInput, createRepositories } from "./index";
import { encodeBufferSizes } from "./stored";
import { errorOf, registerUser, useTestStore } from "./testing";

const ctx = useTestStore();

function editorWithCursor(line: number, tabs = 1): EditorState {
  return {
    layout: "split-vertical",
    activeTabIndex: 0,
    openTabs: Array.from({ length: tabs }, (_, i) => ({
      path: `src/file${i}.ts`,
      viewState: { cursorState: [{ position: { lineNumber: line, column: 1 } }], scrollTop: 0 },
      language: "typescript",
    })),
  };
}

/** Records every key a transaction writes or clears on top of a real store. */
function recording(store: Store) {
  const writes: Array<{ op: "set" | "clear" | "clearRange" | "add"; key: Bytes; bytes: number }> =
    [];
  const wrapped: Store = {
    kind: store.kind,
    close: () => store.close(),
    transact: (fn, opts) =>
      store.transact((tx) => {
        writes.length = 0;
        const rec: Transaction = {
          get: (k) => tx.get(k),
          getRange: (b, e, o) => tx.getRange(b, e, o),
          set: (k, v) => {
            writes.push({ op: "set", key: k, bytes: k.length + v.length });
            tx.set(k, v);
          },
          clear: (k) => {
            writes.push({ op: "clear", key: k, bytes: k.length });
            tx.clear(k);
          },
          clearRange: (b, e) => {
            writes.push({ op: "clearRange", key: b, bytes: b.length + e.length });
            tx.clearRange(b, e);
          },
          add: (k, d) => {
            writes.push({ op: "add", key: k, bytes: k.length + 8 });
            tx.add(k, d);
          },
        };
        return fn(rec);
      }, opts),
  };
  return { store: wrapped, writes };
}

/** What a test gives to create a session; the rest comes from setup(). */
type SessionInput = Partial<Omit<CreateWorkspaceSessionInput, "tenantId">>;

interface SetupOptions {
  plan?: Tenant["plan"];
  store?: Store;
}

/**
 * A registered user and their tenant, the session repository (over `store` when given,
 * else the test store), and `create`, which makes a session in that tenant owned by that
 * user, named "n" at path "p" unless the input says otherwise.
 */
async function setup({ plan = "Enterprise", store }: SetupOptions = {}) {
  const { user, tenant } = await registerUser(ctx.repos, { plan });
  const ws = store ? createRepositories(store).workspaceSessions : ctx.repos.workspaceSessions;
  const create = (input: SessionInput = {}) =>
    ws.create({ tenantId: tenant.id, userId: user.id, name: "n", workspacePath: "p", ...input });
  return { user, tenant, ws, create };
}

/** setup() and one session made with `input`, with that session's keys. */
async function session(input: SessionInput = {}, store?: Store) {
  const env = await setup({ store });
  const s = await env.create(input);
  return { ...env, s, sk: tenantKeys(env.tenant.id).ws(s.id) };
}

/**
 * A session created through a store that fails 40% of commits with commit_unknown_result
 * and 20% with not_committed, and the repository over that store.
 */
async function sessionThroughFaults(seed: number, input: SessionInput) {
  const faulty = withFaults(ctx.store, { seed, commitUnknown: 0.4, notCommitted: 0.2 });
  return { ...(await session(input, faulty)), faulty };
}

describe("WorkspaceSessionRepository", () => {
  it("creates a session with defaults and reads it back whole", async () => {
    const { tenant, ws, create } = await setup();
    const created = await create({
      name: "api",
      workspacePath: "api",
      tags: ["backend", "backend", "rust"],
      buffers: { "src/main.rs": "fn main() {}" },
      memory: { facts: ["uses tokio"], decisions: [] },
    });
    expect(created.rev).toBe(0);
    expect(created.tags).toEqual(["backend", "rust"]);
    const got = await ws.getById(tenant.id, created.id);
    expect(got).toEqual(created);
    expect(got?.editor).toEqual({ layout: "single", activeTabIndex: -1, openTabs: [] });
    expect(got?.terminal).toEqual({ cwd: ".", commandHistory: [], environmentVars: {} });
    expect(got?.buffers).toEqual({ "src/main.rs": "fn main() {}" });
    expect(got?.memory.facts).toEqual(["uses tokio"]);
    // Another tenant cannot see it.
    const other = await registerUser(ctx.repos);
    expect(await ws.getById(other.tenant.id, created.id)).toBeNull();
  });

  it("refuses owners who are not members and enforces the plan's maxWorkspaces", async () => {
    const { tenant, create } = await setup({ plan: "Free" });
    const stranger = await registerUser(ctx.repos);
    const err = await errorOf(create({ userId: stranger.user.id, name: "x", workspacePath: "x" }));
    expect(err).toBeInstanceOf(NotFoundError);
    const max = tenant.settings.maxWorkspaces!;
    for (let i = 0; i < max; i++) {
      await create({ name: `w${i}`, workspacePath: "w" });
    }
    const limit = await errorOf(create({ name: "one more", workspacePath: "w" }));
    expect(limit).toBeInstanceOf(LimitError);
    expect((limit as LimitError).max).toBe(max);
  });

  it("saves only the parts given and bumps rev", async () => {
    const { tenant, ws, s } = await session({
      name: "web",
      workspacePath: "web",
      debug: { breakpoints: [{ path: "a.ts", line: 3, enabled: true }], watchExpressions: ["x"] },
    });
    const r1 = await ws.save(tenant.id, s.id, { baseRev: 0, editor: editorWithCursor(10) });
    expect(r1.rev).toBe(1);
    const r2 = await ws.save(tenant.id, s.id, {
      baseRev: 1,
      terminal: {
        cwd: "/w/web",
        commandHistory: ["ls", "npm test"],
        environmentVars: { NODE_ENV: "test" },
        scrollback: "$ ls\r\nREADME.md\r\n",
      },
      buffers: { "a.ts": "let a = 1;" },
    });
    expect(r2.rev).toBe(2);
    const got = await ws.getById(tenant.id, s.id);
    expect(got?.rev).toBe(2);
    expect(got?.editor).toEqual(editorWithCursor(10));
    expect(got?.debug.breakpoints).toEqual([{ path: "a.ts", line: 3, enabled: true }]);
    expect(got?.terminal.scrollback).toBe("$ ls\r\nREADME.md\r\n");
    expect(got?.terminal.commandHistory).toEqual(["ls", "npm test"]);
    expect(got?.buffers).toEqual({ "a.ts": "let a = 1;" });
    // A terminal without scrollback replaces the part: the old scrollback goes.
    await ws.save(tenant.id, s.id, {
      baseRev: 2,
      terminal: { cwd: "/w", commandHistory: [], environmentVars: {} },
    });
    expect((await ws.getById(tenant.id, s.id))?.terminal.scrollback).toBeUndefined();
  });

  it("rejects a stale baseRev with the current rev", async () => {
    const { tenant, ws, s } = await session();
    await ws.save(tenant.id, s.id, { baseRev: 0, editor: editorWithCursor(1) });
    await ws.save(tenant.id, s.id, { baseRev: 1, editor: editorWithCursor(2) });
    const err = await errorOf(
      ws.save(tenant.id, s.id, { baseRev: 1, editor: editorWithCursor(3) }),
    );
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).reason).toBe("stale_rev");
    expect((err as ConflictError).currentRev).toBe(2);
    expect((await ws.getById(tenant.id, s.id))?.editor).toEqual(editorWithCursor(2));
    expect(await errorOf(ws.save(tenant.id, "missing", { baseRev: 0 }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("saves for the owner only when asked to check, and changes nothing otherwise", async () => {
    const { user, tenant, ws, s } = await session();
    const err = await errorOf(
      ws.save(
        tenant.id,
        s.id,
        { baseRev: 0, editor: editorWithCursor(9) },
        { ownerId: "someone-else" },
      ),
    );
    expect(err).toBeInstanceOf(NotOwnerError);
    const after = await ws.getById(tenant.id, s.id);
    expect(after?.rev).toBe(0);
    expect(after?.editor).not.toEqual(editorWithCursor(9));
    const ok = await ws.save(
      tenant.id,
      s.id,
      { baseRev: 0, editor: editorWithCursor(9) },
      { ownerId: user.id },
    );
    expect(ok.rev).toBe(1);
  });

  it("of two saves racing on one rev, exactly one wins", async () => {
    const { tenant, ws, s } = await session();
    const results = await Promise.allSettled([
      ws.save(tenant.id, s.id, { baseRev: 0, editor: editorWithCursor(1) }),
      ws.save(tenant.id, s.id, { baseRev: 0, editor: editorWithCursor(2) }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as ConflictError).currentRev).toBe(1);
  });

  it("chunks a 1 MB buffer below the value limit, and clears old chunks on rewrite", async () => {
    const { tenant, ws, s } = await session();
    // Multi-byte characters make chunk boundaries fall inside characters.
    const big = "const s = 'héllo wörld ✓';\n".repeat(36_000);
    expect(Buffer.byteLength(big)).toBeGreaterThan(1_000_000);
    await ws.save(tenant.id, s.id, { baseRev: 0, buffers: { "big.ts": big, "small.ts": "x" } });
    const keys = tenantKeys(tenant.id);
    const chunksOf = (path: string) =>
      ctx.store.transact((tx) => {
        const r = keys.wsBufferRange(s.id, path);
        return tx.getRange(r.begin, r.end);
      });
    const chunks = await chunksOf("big.ts");
    expect(chunks.length).toBeGreaterThanOrEqual(11);
    for (const c of chunks) expect(c.value.length).toBeLessThan(100_000);
    expect((await ws.getById(tenant.id, s.id))?.buffers).toEqual({
      "big.ts": big,
      "small.ts": "x",
    });

    await ws.save(tenant.id, s.id, { baseRev: 1, buffers: { "big.ts": "short" } });
    expect(await chunksOf("big.ts")).toHaveLength(1);
    expect((await ws.getById(tenant.id, s.id))?.buffers).toEqual({
      "big.ts": "short",
      "small.ts": "x",
    });

    await ws.save(tenant.id, s.id, { baseRev: 2, buffers: { "big.ts": null } });
    expect(await chunksOf("big.ts")).toHaveLength(0);
    expect((await ws.getById(tenant.id, s.id))?.buffers).toEqual({ "small.ts": "x" });
  });

  it("chunks a large scrollback and keeps an empty buffer as a buffer", async () => {
    const scrollback = "\u001b[32mok\u001b[0m line\r\n".repeat(20_000);
    const { tenant, ws, s } = await session({
      terminal: { cwd: "/", commandHistory: [], environmentVars: {}, scrollback },
      buffers: { "empty.txt": "" },
    });
    const got = await ws.getById(tenant.id, s.id);
    expect(got?.terminal.scrollback).toBe(scrollback);
    expect(got?.buffers).toEqual({ "empty.txt": "" });
  });

  it("writes no buffer key when an autosave only moves the cursor", async () => {
    const rec = recording(ctx.store);
    const buffers: Record<string, string> = {};
    for (let i = 0; i < 50; i++) buffers[`src/file${i}.ts`] = "x".repeat(20_000);
    const { tenant, ws, s } = await session(
      {
        tags: ["a", "b"],
        editor: editorWithCursor(1, 50),
        buffers,
      },
      rec.store,
    );
    await ws.save(tenant.id, s.id, { baseRev: 0, editor: editorWithCursor(2, 50) });
    const bufferPrefix = tenantKeys(tenant.id).wsSpace.key(s.id, "buffer");
    expect(
      rec.writes.some((w) => w.key.subarray(0, bufferPrefix.length).equals(bufferPrefix)),
    ).toBe(false);
    const editorBytes = Buffer.byteLength(JSON.stringify(editorWithCursor(2, 50)));
    const total = rec.writes.reduce((n, w) => n + w.bytes, 0);
    // The editor part, the meta and a few moved index entries.
    expect(total).toBeLessThan(editorBytes + 2_000);
    expect((await ws.getById(tenant.id, s.id))?.buffers).toEqual(buffers);
  });

  it("lists a user's sessions newest activity first, paged", async () => {
    const { user, tenant, ws, create } = await setup();
    const other = await registerUser(ctx.repos);
    await ctx.repos.users.addMembership(tenant.id, other.user.id, "Developer");
    const t0 = Date.parse("2026-01-01T00:00:00.000Z");
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const s = await create({ name: `s${i}`, now: new Date(t0 + i * 1000) });
      ids.push(s.id);
    }
    await create({ userId: other.user.id, name: "theirs" });
    // Activity moves s1 to the top.
    await ws.save(
      tenant.id,
      ids[1]!,
      { baseRev: 0, editor: editorWithCursor(5) },
      { now: new Date(t0 + 60_000) },
    );

    const p1 = await ws.listRecentByUser(tenant.id, user.id, { limit: 3 });
    expect(p1.items.map((m) => m.name)).toEqual(["s1", "s6", "s5"]);
    expect(p1.nextCursor).not.toBeNull();
    const p2 = await ws.listRecentByUser(tenant.id, user.id, { limit: 3, cursor: p1.nextCursor });
    expect(p2.items.map((m) => m.name)).toEqual(["s4", "s3", "s2"]);
    const p3 = await ws.listRecentByUser(tenant.id, user.id, { limit: 3, cursor: p2.nextCursor });
    expect(p3.items.map((m) => m.name)).toEqual(["s0"]);
    expect(p3.nextCursor).toBeNull();
    expect(
      await errorOf(ws.listRecentByUser(tenant.id, user.id, { cursor: "not a cursor!" })),
    ).toBeInstanceOf(ValidationError);
    // A cursor crafted to point past the user's range still lists only the user's sessions.
    const crafted = Buffer.from([0xff, 0xff]).toString("base64url");
    const p4 = await ws.listRecentByUser(tenant.id, user.id, { limit: 50, cursor: crafted });
    expect(p4.items.every((m) => m.userId === user.id)).toBe(true);
  });

  it("lists related sessions by tag, most recently active first", async () => {
    const { user, tenant, ws, create } = await setup();
    const t0 = Date.parse("2026-01-01T00:00:00.000Z");
    const mk = (name: string, tags: string[], i: number) =>
      create({ name, tags, now: new Date(t0 + i) });
    const a = await mk("a", ["rust"], 1);
    await mk("b", ["go"], 2);
    await mk("c", ["rust", "cli"], 3);
    const d = await mk("d", ["cli"], 4);
    await mk("e", [], 5);
    await ws.save(
      tenant.id,
      a.id,
      { baseRev: 0, memory: { facts: ["x"], decisions: [] } },
      { now: new Date(t0 + 10_000) },
    );
    const related = await ws.listRelated(tenant.id, user.id, ["rust", "cli"]);
    expect(related.map((m) => m.name)).toEqual(["a", "d", "c"]);
    expect(
      (await ws.listRelated(tenant.id, user.id, ["rust", "cli"], { limit: 2 })).map((m) => m.name),
    ).toEqual(["a", "d"]);
    expect(
      (await ws.listRelated(tenant.id, user.id, ["cli"], { excludeId: d.id })).map((m) => m.name),
    ).toEqual(["c"]);
    expect(await ws.listRelated(tenant.id, user.id, ["nothing"])).toEqual([]);
  });

  it("forks a session with every part, and lists children", async () => {
    const { tenant, ws, create } = await setup();
    const big = "y".repeat(250_000);
    const src = await create({
      name: "src",
      workspacePath: "proj",
      tags: ["t"],
      editor: editorWithCursor(7, 3),
      terminal: {
        cwd: "/p",
        commandHistory: ["make"],
        environmentVars: {},
        scrollback: "z".repeat(120_000),
      },
      buffers: { "a.ts": big, "b.ts": "b" },
    });
    const saved = await ws.save(tenant.id, src.id, {
      baseRev: 0,
      debug: { breakpoints: [], watchExpressions: ["n"] },
    });
    const fork = await ws.fork(tenant.id, src.id, { name: "copy" });
    expect(fork.id).not.toBe(src.id);
    expect(fork.parentSessionId).toBe(src.id);
    expect(fork.rev).toBe(0);
    const source = await ws.getById(tenant.id, src.id);
    expect(source?.rev).toBe(saved.rev);
    const again = await ws.getById(tenant.id, fork.id);
    expect(again).toEqual(fork);
    for (const part of [
      "editor",
      "terminal",
      "debug",
      "memory",
      "buffers",
      "tags",
      "workspacePath",
    ] as const) {
      expect(fork[part]).toEqual(source?.[part]);
    }
    // The copy is independent of its source.
    await ws.save(tenant.id, fork.id, { baseRev: 0, buffers: { "a.ts": null } });
    expect((await ws.getById(tenant.id, src.id))?.buffers["a.ts"]).toBe(big);

    const second = await ws.fork(tenant.id, src.id, { name: "copy 2" });
    const children = await ws.listChildren(tenant.id, src.id);
    expect(children.items.map((c) => c.id).sort()).toEqual([fork.id, second.id].sort());
    expect((await ws.listChildren(tenant.id, fork.id)).items).toEqual([]);
    expect(await errorOf(ws.fork(tenant.id, "missing", { name: "x" }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("renames and retags, moving the tag index atomically", async () => {
    const { user, tenant, ws, s } = await session({ tags: ["old", "keep"] });
    const meta = await ws.updateMeta(tenant.id, s.id, { name: "renamed", tags: ["keep", "new"] });
    expect(meta.name).toBe("renamed");
    expect(meta.tags).toEqual(["keep", "new"]);
    expect(meta.rev).toBe(0);
    expect(await ws.listRelated(tenant.id, user.id, ["old"])).toEqual([]);
    expect((await ws.listRelated(tenant.id, user.id, ["new"])).map((m) => m.id)).toEqual([s.id]);
    expect((await ws.getMeta(tenant.id, s.id))?.name).toBe("renamed");
    expect(await errorOf(ws.updateMeta(tenant.id, "missing", { name: "x" }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it("deletes the record, its parts, chunks and every index entry", async () => {
    const { user, tenant, ws, create } = await setup();
    const parent = await create({ name: "p" });
    const s = await create({
      workspacePath: "path",
      tags: ["x"],
      parentSessionId: parent.id,
      buffers: { "big.txt": "q".repeat(300_000) },
    });
    await ws.delete(tenant.id, s.id);
    expect(await ws.getById(tenant.id, s.id)).toBeNull();
    const keys = tenantKeys(tenant.id);
    const left = await ctx.store.transact((tx) => {
      const r = keys.wsRange(s.id);
      return tx.getRange(r.begin, r.end);
    });
    expect(left).toEqual([]);
    expect((await ws.listRecentByUser(tenant.id, user.id)).items.map((m) => m.id)).toEqual([
      parent.id,
    ]);
    expect(await ws.listRelated(tenant.id, user.id, ["x"])).toEqual([]);
    expect((await ws.listChildren(tenant.id, parent.id)).items).toEqual([]);
    expect((await ws.listByPath(tenant.id, "path")).items).toEqual([]);
    await ws.delete(tenant.id, s.id);
  });

  it("survives commit_unknown_result: a retried save neither duplicates nor conflicts", async () => {
    const { tenant, faulty, ws, s } = await sessionThroughFaults(7, { tags: ["t"] });
    let rev = 0;
    for (let i = 0; i < 60; i++) {
      const r = await ws.save(tenant.id, s.id, { baseRev: rev, editor: editorWithCursor(i) });
      expect(r.rev).toBe(rev + 1);
      rev = r.rev;
    }
    const f = await ws.fork(tenant.id, s.id, { name: "f" });
    await ws.updateMeta(tenant.id, f.id, { tags: ["u"] });
    await ws.delete(tenant.id, f.id);
    expect(faulty.counts.commitUnknown).toBeGreaterThan(10);
    const got = await ws.getById(tenant.id, s.id);
    expect(got?.rev).toBe(60);
    expect(got?.editor).toEqual(editorWithCursor(59));
  });

  it("answers a save retried after 1021 with its rev, though five saves landed in between", async () => {
    const { tenant, s } = await session();
    const other = ctx.repos.workspaceSessions;
    const faulty = createRepositories(
      withFaults(ctx.store, {
        seed: 1,
        schedule: ["commitUnknown"],
        // Another tab saves five times between the applied commit and its retry.
        afterFault: async () => {
          for (let rev = 1; rev <= 5; rev++) {
            await other.save(tenant.id, s.id, { baseRev: rev, editor: editorWithCursor(rev) });
          }
        },
      }),
    ).workspaceSessions;
    const r = await faulty.save(tenant.id, s.id, { baseRev: 0, editor: editorWithCursor(99) });
    expect(r.rev).toBe(1);
    expect((await other.getById(tenant.id, s.id))?.rev).toBe(6);
    // A save that never committed still meets the conflict.
    const stale = await errorOf(
      other.save(tenant.id, s.id, { baseRev: 2, editor: editorWithCursor(1) }),
    );
    expect((stale as ConflictError).currentRev).toBe(6);
  });
});

describe("WorkspaceSessionRepository: buffer sizes and the buffer cap", () => {
  const MB = 1024 * 1024;
  const half = "x".repeat(600 * 1024);

  /** The stored size keys by path, or undefined when there is none. */
  async function sizesOf(tenantId: string, sessionId: string) {
    const keys = tenantKeys(tenantId);
    const r = keys.ws(sessionId).bufferSizeRange;
    const rows = await ctx.store.transact((tx) => tx.getRange(r.begin, r.end));
    return rows.length === 0
      ? undefined
      : Object.fromEntries(
          rows.map((x) => [keys.wsSpace.unpack(x.key)[2] as string, decodeCounter(x.value)]),
        );
  }

  /** Removes the sizes and their total, as in a session written before any existed. */
  async function dropSizes(tenantId: string, sessionId: string) {
    const sk = tenantKeys(tenantId).ws(sessionId);
    await ctx.store.transact(async (tx) => {
      tx.clearRange(sk.bufferSizeRange.begin, sk.bufferSizeRange.end);
      tx.clear(sk.bufferBytes);
    });
  }

  it("refuses buffers over maxBufferBytes inside the save: nothing stored, rev unchanged", async () => {
    const { tenant, ws, s } = await session();
    const cap = { maxBufferBytes: MB };
    await ws.save(tenant.id, s.id, { baseRev: 0, buffers: { "a.txt": half } }, cap);
    const err = await errorOf(
      ws.save(
        tenant.id,
        s.id,
        { baseRev: 1, editor: editorWithCursor(4), buffers: { "b.txt": half } },
        cap,
      ),
    );
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as Error).message).toBe(
      "Unsaved buffers would hold 1.2 MB; a session holds at most 1.0 MB. Save some files first.",
    );
    const got = await ws.getById(tenant.id, s.id);
    expect(got?.rev).toBe(1);
    expect(Object.keys(got?.buffers ?? {})).toEqual(["a.txt"]);
    expect(got?.editor.openTabs).toEqual([]);
    expect(await sizesOf(tenant.id, s.id)).toEqual({ "a.txt": half.length });
    // Without a cap the same save goes through.
    await ws.save(tenant.id, s.id, { baseRev: 1, buffers: { "b.txt": half } });
    expect(await sizesOf(tenant.id, s.id)).toEqual({ "a.txt": half.length, "b.txt": half.length });
  });

  it("names sizes in the unit that fits them", async () => {
    const { tenant, ws, s } = await session();
    const refusal = async (maxBufferBytes: number, text: string) =>
      (
        (await errorOf(
          ws.save(tenant.id, s.id, { baseRev: 0, buffers: { "a.txt": text } }, { maxBufferBytes }),
        )) as Error
      ).message;
    expect(await refusal(2000, "x".repeat(2150))).toBe(
      "Unsaved buffers would hold 2.1 KB; a session holds at most 2.0 KB. Save some files first.",
    );
    expect(await refusal(100, "é".repeat(60))).toBe(
      "Unsaved buffers would hold 120 B; a session holds at most 100 B. Save some files first.",
    );
  });

  it("counts a replaced buffer's new size only, frees a dropped one's, in UTF-8 bytes", async () => {
    const { tenant, ws, s } = await session({ buffers: { "a.txt": half } });
    const cap = { maxBufferBytes: MB };
    let rev = (await ws.save(tenant.id, s.id, { baseRev: 0, buffers: { "a.txt": half } }, cap)).rev;
    rev = (
      await ws.save(
        tenant.id,
        s.id,
        { baseRev: rev, buffers: { "a.txt": null, "b.txt": half } },
        cap,
      )
    ).rev;
    expect(await sizesOf(tenant.id, s.id)).toEqual({ "b.txt": half.length });
    rev = (await ws.save(tenant.id, s.id, { baseRev: rev, buffers: { "b.txt": null } }, cap)).rev;
    expect(await sizesOf(tenant.id, s.id)).toBeUndefined();
    expect((await ws.getById(tenant.id, s.id))?.buffers).toEqual({});
    // "é" is two bytes: ten bytes fit a ten-byte cap, twelve do not.
    const tiny = { maxBufferBytes: 10 };
    rev = (await ws.save(tenant.id, s.id, { baseRev: rev, buffers: { e: "ééééé" } }, tiny)).rev;
    expect(await sizesOf(tenant.id, s.id)).toEqual({ e: 10 });
    const err = await errorOf(
      ws.save(tenant.id, s.id, { baseRev: rev, buffers: { f: "é" } }, tiny),
    );
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    // An empty buffer is a buffer of zero bytes.
    await ws.save(tenant.id, s.id, { baseRev: rev, buffers: { g: "" } }, tiny);
    expect(await sizesOf(tenant.id, s.id)).toEqual({ e: 10, g: 0 });
  });

  it("checks the owner and the rev before the cap", async () => {
    const { user, tenant, ws, s } = await session({ buffers: { "a.txt": half } });
    const over = { baseRev: 0, buffers: { "b.txt": half } };
    expect(
      await errorOf(ws.save(tenant.id, s.id, over, { ownerId: "someone", maxBufferBytes: MB })),
    ).toBeInstanceOf(NotOwnerError);
    const stale = await errorOf(
      ws.save(tenant.id, s.id, { ...over, baseRev: 3 }, { ownerId: user.id, maxBufferBytes: MB }),
    );
    expect((stale as ConflictError).currentRev).toBe(0);
    expect(
      await errorOf(ws.save(tenant.id, "missing", over, { maxBufferBytes: MB })),
    ).toBeInstanceOf(NotFoundError);
    expect((await ws.getById(tenant.id, s.id))?.rev).toBe(0);
  });

  it("create writes the sizes record; a session without one gets the right total and the record", async () => {
    const { tenant, ws, s } = await session({ buffers: { "a.txt": half, "b.txt": "bé" } });
    expect(await sizesOf(tenant.id, s.id)).toEqual({ "a.txt": half.length, "b.txt": 3 });
    await dropSizes(tenant.id, s.id);
    expect(await sizesOf(tenant.id, s.id)).toBeUndefined();
    const err = await errorOf(
      ws.save(tenant.id, s.id, { baseRev: 0, buffers: { "c.txt": half } }, { maxBufferBytes: MB }),
    );
    expect((err as Error).message).toMatch(/^Unsaved buffers would hold 1\.2 MB;/);
    expect(await sizesOf(tenant.id, s.id)).toBeUndefined();
    await ws.save(
      tenant.id,
      s.id,
      { baseRev: 0, buffers: { "b.txt": "b" } },
      { maxBufferBytes: MB },
    );
    expect(await sizesOf(tenant.id, s.id)).toEqual({ "a.txt": half.length, "b.txt": 1 });
    expect(await checkConsistency(ctx.store)).toEqual([]);
  });

  it("fork copies the sizes record, and writes one for a source without it", async () => {
    const { tenant, ws, s } = await session({
      buffers: { "a.txt": "y".repeat(250_000), "b.txt": "b" },
    });
    const expected = { "a.txt": 250_000, "b.txt": 1 };
    const copy = await ws.fork(tenant.id, s.id, { name: "copy" });
    expect(await sizesOf(tenant.id, copy.id)).toEqual(expected);
    await ws.save(tenant.id, copy.id, { baseRev: 0, buffers: { "a.txt": null } });
    expect(await sizesOf(tenant.id, copy.id)).toEqual({ "b.txt": 1 });
    expect(await sizesOf(tenant.id, s.id)).toEqual(expected);

    await dropSizes(tenant.id, s.id);
    const fromOld = await ws.fork(tenant.id, s.id, { name: "from old" });
    expect(await sizesOf(tenant.id, fromOld.id)).toEqual(expected);
    expect(fromOld.buffers).toEqual((await ws.getById(tenant.id, s.id))?.buffers);
    // The source itself gets its record back on its next buffer save.
    await ws.save(tenant.id, s.id, { baseRev: 0, buffers: { "c.txt": "c" } });
    expect(await sizesOf(tenant.id, s.id)).toEqual({ ...expected, "c.txt": 1 });
    expect(await checkConsistency(ctx.store)).toEqual([]);
    await ws.delete(tenant.id, s.id);
    expect(await sizesOf(tenant.id, s.id)).toBeUndefined();
  });

  it("writes the same bytes for a one-buffer save whatever the number of open buffers", async () => {
    const rec = recording(ctx.store);
    const bytesOfOneBufferSave = async (open: number) => {
      const buffers: Record<string, string> = {};
      for (let i = 0; i < open; i++) buffers[`${"d/".repeat(100)}${i}.ts`] = "t";
      const { tenant, ws, s } = await session({ buffers }, rec.store);
      await ws.save(tenant.id, s.id, {
        baseRev: 0,
        buffers: { [`${"d/".repeat(100)}0.ts`]: "tt" },
      });
      return rec.writes.reduce((n, w) => n + w.bytes, 0);
    };
    const few = await bytesOfOneBufferSave(3);
    // One JSON map of every path, rewritten in full, made this ≈ 60 KB.
    expect(await bytesOfOneBufferSave(300)).toBe(few);
  });

  it("converts a session's old JSON sizes record on its next buffer save", async () => {
    const { tenant, ws, s, sk } = await session({ buffers: { "a.txt": "aaa", "b.txt": "b" } });
    await dropSizes(tenant.id, s.id);
    await ctx.store.transact(async (tx) =>
      tx.set(
        sk.chunk(WS_PART.bufferSizes, 0),
        encodeBufferSizes(
          new Map([
            ["a.txt", 3],
            ["b.txt", 1],
          ]),
        ),
      ),
    );
    expect(await checkConsistency(ctx.store)).toEqual([]);
    expect((await ws.getById(tenant.id, s.id))?.buffers).toEqual({ "a.txt": "aaa", "b.txt": "b" });
    await ws.save(tenant.id, s.id, { baseRev: 0, buffers: { "c.txt": "cc" } });
    expect(await sizesOf(tenant.id, s.id)).toEqual({ "a.txt": 3, "b.txt": 1, "c.txt": 2 });
    const old = await ctx.store.transact((tx) =>
      tx.getRange(sk.bufferSizesRange.begin, sk.bufferSizesRange.end),
    );
    expect(old).toEqual([]);
  });

  it("reads exactly the chunks its records count: a stray chunk is left out and reported", async () => {
    const { tenant, ws, s, sk } = await session({
      buffers: { "a.txt": "aaa" },
      editor: editorWithCursor(3),
    });
    const keys = tenantKeys(tenant.id);
    const before = await ws.getById(tenant.id, s.id);
    await ctx.store.transact(async (tx) => {
      tx.set(keys.wsBufferChunk(s.id, "a.txt", 1), Buffer.from("stray"));
      tx.set(keys.wsBufferChunk(s.id, "ghost.txt", 0), Buffer.from("ghost"));
      tx.set(sk.chunk("editor", 1), Buffer.from("stray"));
    });
    expect(await ws.getById(tenant.id, s.id)).toEqual(before);
    const problems = (await checkConsistency(ctx.store)).map((p) => `${p.kind} ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^chunks_not_contiguous stray chunks \[1\]/),
        expect.stringMatching(/^buffer_sizes_mismatch records 3 B, its chunks hold 8 B/),
        expect.stringMatching(/^buffer_sizes_mismatch stray buffer chunks/),
      ]),
    );
    await ctx.store.transact(async (tx) => {
      tx.clear(keys.wsBufferChunk(s.id, "a.txt", 1));
      tx.clear(keys.wsBufferChunk(s.id, "ghost.txt", 0));
      tx.clear(sk.chunk("editor", 1));
    });
  });

  it("a save that changes buffers reads the sizes record, not the other buffers' chunks", async () => {
    const reads: Bytes[] = [];
    const store: Store = {
      kind: ctx.store.kind,
      close: () => ctx.store.close(),
      transact: (fn, opts) =>
        ctx.store.transact(
          (tx) =>
            fn({
              ...tx,
              get: (k) => {
                reads.push(k);
                return tx.get(k);
              },
              getRange: (b, e, o) => {
                reads.push(b);
                return tx.getRange(b, e, o);
              },
              set: (k, v) => tx.set(k, v),
              clear: (k) => tx.clear(k),
              clearRange: (b, e) => tx.clearRange(b, e),
              add: (k, d) => tx.add(k, d),
            }),
          opts,
        ),
    };
    const buffers: Record<string, string> = {};
    for (let i = 0; i < 20; i++) buffers[`src/file${i}.ts`] = "x".repeat(50_000);
    const { tenant, ws, s, sk } = await session({ buffers }, store);
    const inBuffers = (k: Bytes) =>
      Buffer.compare(k, sk.buffersRange.begin) >= 0 && Buffer.compare(k, sk.buffersRange.end) < 0;
    reads.length = 0;
    await ws.save(
      tenant.id,
      s.id,
      { baseRev: 0, buffers: { "src/file3.ts": "y" } },
      {
        maxBufferBytes: MB,
      },
    );
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.some(inBuffers)).toBe(false);
    // Without the record (an older session) the buffers are read once, then not again.
    await dropSizes(tenant.id, s.id);
    reads.length = 0;
    await ws.save(tenant.id, s.id, { baseRev: 1, buffers: { "src/file4.ts": "y" } });
    expect(reads.some(inBuffers)).toBe(true);
    reads.length = 0;
    await ws.save(tenant.id, s.id, { baseRev: 2, buffers: { "src/file5.ts": "y" } });
    expect(reads.some(inBuffers)).toBe(false);
    expect(Object.values((await sizesOf(tenant.id, s.id)) ?? {}).reduce((a, b) => a + b, 0)).toBe(
      17 * 50_000 + 3,
    );
  });

  it("a buffer save clears the old chunks one by one, never a range (which empties the read cache)", async () => {
    const rec = recording(ctx.store);
    const big = "y".repeat(250_000);
    const { tenant, ws, s } = await session({ buffers: { "a.txt": big, "b.txt": "b" } }, rec.store);
    const bufferPrefix = tenantKeys(tenant.id).wsSpace.key(s.id, "buffer");
    const bufferOps = (op: string) =>
      rec.writes.filter(
        (w) => w.op === op && w.key.subarray(0, bufferPrefix.length).equals(bufferPrefix),
      ).length;
    await ws.save(tenant.id, s.id, { baseRev: 0, buffers: { "a.txt": "short" } });
    expect(rec.writes.some((w) => w.op === "clearRange")).toBe(false);
    expect([bufferOps("set"), bufferOps("clear")]).toEqual([1, 2]);
    await ws.save(tenant.id, s.id, { baseRev: 1, buffers: { "a.txt": big } });
    // A session written before the sizes record: the chunks are counted from the buffers.
    await dropSizes(tenant.id, s.id);
    await ws.save(tenant.id, s.id, { baseRev: 2, buffers: { "a.txt": null, "b.txt": "bb" } });
    expect(rec.writes.some((w) => w.op === "clearRange")).toBe(false);
    expect([bufferOps("set"), bufferOps("clear")]).toEqual([1, 3]);
    expect((await ws.getById(tenant.id, s.id))?.buffers).toEqual({ "b.txt": "bb" });
    expect(await checkConsistency(ctx.store)).toEqual([]);
  });

  it("keeps the sizes record right through commit_unknown_result retries", async () => {
    const { tenant, faulty, ws, s } = await sessionThroughFaults(11, { buffers: { a: "a" } });
    let rev = 0;
    const expected = new Map<string, number>([["a", 1]]);
    for (let i = 0; i < 40; i++) {
      const path = `f${i % 5}`;
      const text = i % 7 === 3 ? null : "z".repeat(i * 10);
      const r = await ws.save(
        tenant.id,
        s.id,
        { baseRev: rev, buffers: { [path]: text } },
        { maxBufferBytes: MB },
      );
      rev = r.rev;
      if (text === null) expected.delete(path);
      else expected.set(path, text.length);
    }
    expect(faulty.counts.commitUnknown).toBeGreaterThan(5);
    expect(await sizesOf(tenant.id, s.id)).toEqual(Object.fromEntries(expected));
  });
});

describe("WorkspaceSessionRepository: forks larger than one transaction", () => {
  /** A session holding 12 MB of buffers, saved over three autosaves of 4 MB. */
  async function bigSession() {
    const env = await session();
    let rev = 0;
    for (let i = 0; i < 3; i++) {
      const text = String.fromCharCode(97 + i).repeat(4_000_000);
      ({ rev } = await env.ws.save(env.tenant.id, env.s.id, {
        baseRev: rev,
        buffers: { [`big-${i}.txt`]: text },
      }));
    }
    return { ...env, rev };
  }

  /** ctx.store, running `before(n)` ahead of its n-th transaction. */
  function hooked(before: (n: number) => Promise<void> | void): Store {
    let n = 0;
    return {
      kind: ctx.store.kind,
      close: () => ctx.store.close(),
      transact: async (fn, opts) => {
        await before(++n);
        return ctx.store.transact(fn, opts);
      },
    };
  }

  it("forks a 12 MB session in bounded transactions, with what the source saved meanwhile", async () => {
    const { tenant, s, rev } = await bigSession();
    const ws = createRepositories(
      hooked(async (n) => {
        // An autosave of the source lands while the copy is under way.
        if (n === 3) {
          await ctx.repos.workspaceSessions.save(tenant.id, s.id, {
            baseRev: rev,
            editor: editorWithCursor(42),
            buffers: { "big-1.txt": null, "new.txt": "fresh" },
          });
        }
      }),
    ).workspaceSessions;
    const copy = await ws.fork(tenant.id, s.id, { name: "copy" });
    const source = await ctx.repos.workspaceSessions.getById(tenant.id, s.id);
    expect(Object.keys(copy.buffers).sort()).toEqual(["big-0.txt", "big-2.txt", "new.txt"]);
    expect(copy.buffers).toEqual(source?.buffers);
    expect(copy.editor).toEqual(editorWithCursor(42));
    expect(await ctx.repos.workspaceSessions.getById(tenant.id, copy.id)).toEqual(copy);
  });

  it("keeps an interrupted fork invisible; the same call resumes it, or it is removed", async () => {
    const { tenant, s } = await bigSession();
    const stopAt = (at: number) =>
      createRepositories(
        hooked((n) => {
          if (n === at) throw new Error("the process stopped");
        }),
      ).workspaceSessions;
    const input = { id: "half-copied", name: "copy", now: new Date("2026-07-01T00:00:00.000Z") };
    await expect(stopAt(3).fork(tenant.id, s.id, input)).rejects.toThrow("stopped");
    const ws = ctx.repos.workspaceSessions;
    expect(await ws.getById(tenant.id, "half-copied")).toBeNull();
    expect((await ws.listChildren(tenant.id, s.id)).items).toEqual([]);
    expect(await checkConsistency(ctx.store)).toEqual([]);
    // Another fork may not take its id meanwhile.
    expect(await errorOf(ws.fork(tenant.id, s.id, { ...input, now: new Date() }))).toBeInstanceOf(
      ConflictError,
    );

    const resumed = await ws.fork(tenant.id, s.id, input);
    expect(resumed.buffers).toEqual((await ws.getById(tenant.id, s.id))?.buffers);
    expect((await ws.listChildren(tenant.id, s.id)).items.map((m) => m.id)).toEqual([
      "half-copied",
    ]);

    const abandoned = { ...input, id: "abandoned" };
    await expect(stopAt(4).fork(tenant.id, s.id, abandoned)).rejects.toThrow("stopped");
    expect(await ws.removeUnfinishedForks(tenant.id, new Date("2026-06-30T00:00:00.000Z"))).toBe(0);
    expect(await ws.removeUnfinishedForks(tenant.id, new Date("2026-07-02T00:00:00.000Z"))).toBe(1);
    const r = tenantKeys(tenant.id).wsRange("abandoned");
    expect(await ctx.store.transact((tx) => tx.getRange(r.begin, r.end, { limit: 1 }))).toEqual([]);
    expect(await ws.getById(tenant.id, "half-copied")).not.toBeNull();
  });
});
