/**
 * The terminal manager on a real SQLite store and real PTYs: the idle reaper saves a
 * terminal before stopping it, and the next attach revives it from what was saved.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRepositories, openSqliteStore } from "@hearth/db";
import { TerminalManager, type TerminalWorkspace } from "@hearth/runtime";
import { afterEach, expect, it } from "vitest";
import { toTRPCError } from "../errors";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(idleMs: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hearth-manager-test-"));
  const store = openSqliteStore({ filename: path.join(dir, "hearth.sqlite") });
  const repos = createRepositories(store);
  const { user, tenant } = await repos.users.createWithTenant({
    email: `reaper-${Date.now()}@example.com`,
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
    firstName: "Idle",
    lastName: "Shell",
    plan: "Enterprise",
  });
  const session = await repos.workspaceSessions.create({
    tenantId: tenant.id,
    userId: user.id,
    name: "w",
    workspacePath: "w",
  });
  const manager = new TerminalManager({
    store: {
      load: (ws) => repos.workspaceTerminals.get(ws.tenantId, ws.sessionId),
      save: (ws, save) => repos.workspaceTerminals.save(ws.tenantId, ws.sessionId, save),
    },
    sandbox: { mode: "none", bwrapPath: "", network: true },
    idleMs,
  });
  cleanups.push(
    () => manager.close(),
    () => store.close(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const ws: TerminalWorkspace = {
    tenantId: tenant.id,
    sessionId: session.id,
    ownerId: user.id,
    folder: dir,
  };
  return { manager, repos, ws, dir };
}

/** Reads events until the output matches, leaving the client attached. */
async function readUntil(events: AsyncGenerator<{ type: string; data?: string }>, text: RegExp) {
  let seen = "";
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error(`ended without ${text}: ${seen}`);
    if (next.value.type === "data") seen += next.value.data;
    if (text.test(seen)) return seen;
  }
}

it("saves an idle terminal before the reaper stops it, and revives it on the next attach", async () => {
  const { manager, repos, ws } = await setUp(300);
  const abort = new AbortController();
  const client = await manager.attach(ws, { cols: 80, rows: 24, readOnly: false });
  const events = client.events(abort.signal);
  const [info] = await manager.list(ws);
  manager.input(info!.id, "mkdir -p idle && cd idle && echo before-the-reaper\r");
  await readUntil(events, /before-the-reaper\r?\n[\s\S]*idle[$#] /);
  abort.abort();
  await events.next();
  await new Promise((r) => setTimeout(r, 400));
  await manager.reapNow();
  // Stopped, and saved first.
  for (let i = 0; i < 50 && manager.liveCount(ws.ownerId) > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(manager.liveCount(ws.ownerId)).toBe(0);
  expect(await manager.list(ws)).toEqual([expect.objectContaining({ id: info!.id, live: false })]);
  const saved = await repos.workspaceTerminals.get(ws.tenantId, ws.sessionId);
  expect(saved?.terminals[0]?.cwd).toBe("idle");
  expect(saved?.terminals[0]?.scrollback).toContain("before-the-reaper");

  const again = await manager.attach(ws, { cols: 80, rows: 24, readOnly: false });
  const seen = await readUntil(again.events(), /before-the-reaper[\s\S]*restored/);
  expect(seen).toContain("restored");
  expect(manager.liveCount(ws.ownerId)).toBe(1);
});

it("does not reap a terminal someone is watching", async () => {
  const { manager, ws } = await setUp(200);
  const abort = new AbortController();
  const client = await manager.attach(ws, { cols: 80, rows: 24, readOnly: false });
  const events = client.events(abort.signal);
  await readUntil(events, /[$#] /);
  await new Promise((r) => setTimeout(r, 300));
  await manager.reapNow();
  expect(manager.liveCount(ws.ownerId)).toBe(1);
  abort.abort();
  await events.next();
});

it("gives a fork's copied terminals ids of their own, so a terminal id names one session", async () => {
  const { manager, repos, ws, dir } = await setUp(60_000);
  const client = await manager.attach(ws, { cols: 80, rows: 24, readOnly: false });
  const abort = new AbortController();
  const events = client.events(abort.signal);
  const [original] = await manager.list(ws);
  manager.input(original!.id, "mkdir -p forked && cd forked\r");
  await readUntil(events, /forked[$#] /);
  abort.abort();
  await events.next();
  await manager.close();
  const fork = await repos.workspaceSessions.fork(ws.tenantId, ws.sessionId, { name: "copy" });
  // A new server (manager) that loads the source first, then the fork.
  const next = new TerminalManager({
    store: {
      load: (w) => repos.workspaceTerminals.get(w.tenantId, w.sessionId),
      save: (w, save) => repos.workspaceTerminals.save(w.tenantId, w.sessionId, save),
    },
    sandbox: { mode: "none", bwrapPath: "", network: true },
  });
  cleanups.push(() => next.close());
  const forkWs = { ...ws, sessionId: fork.id, folder: dir };
  const [source] = await next.list(ws);
  const [copy] = await next.list(forkWs);
  expect(source!.id).toBe(original!.id);
  expect(copy!.id).not.toBe(original!.id);
  expect(copy!.cwd).toBe("forked");
  expect(next.workspaceOf(source!.id)?.sessionId).toBe(ws.sessionId);
  expect(next.workspaceOf(copy!.id)?.sessionId).toBe(fork.id);
});

it("refuses to open a terminal without bubblewrap, with PRECONDITION_FAILED saying what to install", async () => {
  const { repos, ws } = await setUp(60_000);
  const manager = new TerminalManager({
    store: {
      load: (w) => repos.workspaceTerminals.get(w.tenantId, w.sessionId),
      save: (w, save) => repos.workspaceTerminals.save(w.tenantId, w.sessionId, save),
    },
    sandbox: { mode: "bubblewrap", bwrapPath: "/nonexistent/bwrap", network: true, hidden: [] },
  });
  cleanups.push(() => manager.close());
  const err = await manager.attach(ws, { cols: 80, rows: 24, readOnly: false }).catch((e) => e);
  const mapped = toTRPCError(err);
  expect(mapped?.code).toBe("PRECONDITION_FAILED");
  expect(mapped?.message).toMatch(/apt-get install bubblewrap.*HEARTH_TERMINAL_SANDBOX=none/);
  expect(manager.liveCount(ws.ownerId)).toBe(0);
  expect(await manager.list(ws)).toEqual([]);
});
