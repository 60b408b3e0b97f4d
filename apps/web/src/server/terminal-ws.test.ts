/**
 * terminal.* over the real WebSocket (tRPC's own wsLink) against a started Hearth server
 * with a real SQLite file and real PTYs: attach and echo, re-attach, watchers, other
 * tenants, limits, saved state, autosaves while output flows, and revival after a graceful
 * and a `kill -9` restart.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AppRouter, createHearthApi } from "@hearth/api";
import { createRepositories } from "@hearth/db";
import { findBwrap } from "@hearth/runtime";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { ServerApiFactory } from "./server";
import {
  AttachedTerminal,
  runIn,
  type ServerProcess,
  startServerProcess,
  wsClientFor,
} from "./terminal-testing";
import { startTestServer, type TestServer } from "./testing";

// The sandbox where bwrap is installed (as on Hearth's servers); without it, none.
const sandboxEnv = { HEARTH_TERMINAL_SANDBOX: findBwrap() ? "bubblewrap" : "none" };
const PASSWORD = "terminals are fun to test";

/** A client with an access token and, for a tenant switch, the sign-in's refresh cookie. */
function httpClient(url: string, token?: string, cookie?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${url}/api/trpc`,
        headers: () => ({
          origin: url,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(cookie ? { cookie } : {}),
        }),
      }),
    ],
  });
}

let emails = 0;
async function signUp(url: string) {
  const email = `term${++emails}-${Date.now()}@example.com`;
  const answer = await fetch(`${url}/api/trpc/auth.register`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url },
    body: JSON.stringify({ email, password: PASSWORD, firstName: "Tess", lastName: "Term" }),
  });
  const res = ((await answer.json()) as { result: { data: SignedIn } }).result.data;
  const cookie = answer.headers.getSetCookie()[0]!.split(";")[0]!;
  return { email, token: res.accessToken, cookie, userId: res.user.id, tenantId: res.tenant.id };
}

interface SignedIn {
  accessToken: string;
  user: { id: string };
  tenant: { id: string };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCClientError) return (err.data as { code: string }).code;
    throw err;
  }
  throw new Error("expected the call to fail");
}

async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the call to fail");
}

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("terminals over the WebSocket", () => {
  let ts: TestServer;
  const api: ServerApiFactory = (deps) =>
    createHearthApi({
      store: deps.store,
      dataDir: deps.dataDir,
      env: { ...deps.env, ...sandboxEnv, HEARTH_MAX_TERMINALS_PER_USER: "3" },
    });

  async function owner() {
    ts ??= await startTestServer({ api });
    const who = await signUp(ts.url);
    const http = httpClient(ts.url, who.token);
    const ws = await http.workspace.create.mutate({ name: "term", path: `p${emails}` });
    const client = wsClientFor(ts.wsUrl, who.token);
    closers.push(client.close);
    return { ...who, http, ws, api: client.api };
  }

  afterAll(async () => {
    await ts?.stop();
  });

  it("attaches, echoes what is typed, and shows the same screen after the WebSocket drops", async () => {
    const me = await owner();
    const term = await new AttachedTerminal(me.api, { workspaceId: me.ws.id }).opened();
    expect(term.readOnly).toBe(false);
    const type = (data: string) =>
      me.api.terminal.input.mutate({ terminalId: term.terminalId, data });
    const out = await runIn(
      term,
      type,
      "echo hello-$((40+2)) && printf '\\033[32mgreen\\033[0m\\n'",
    );
    expect(out).toContain("hello-42");
    if (sandboxEnv.HEARTH_TERMINAL_SANDBOX === "bubblewrap") {
      // Even on a server running as root, the shell reads nothing only root may read.
      expect(await runIn(term, type, "cat /etc/shadow 2>&1")).not.toMatch(/root:[^\r\n]*:\d*:/);
    }

    // A new connection (a reload) gets the screen as it is, colours included.
    me.api.terminal.resize.mutate({ terminalId: term.terminalId, cols: 100, rows: 30 });
    const again = wsClientFor(ts.wsUrl, me.token);
    closers.push(again.close);
    const second = await new AttachedTerminal(again.api, {
      workspaceId: me.ws.id,
      terminalId: term.terminalId,
    }).opened();
    await second.waitFor("hello-42");
    await second.waitFor("\x1b[32mgreen");
    expect(second.text.split("hello-42").length - 1).toBe(1);
    const list = await me.api.terminal.list.query({ workspaceId: me.ws.id });
    expect(list).toEqual([
      expect.objectContaining({ id: term.terminalId, live: true, active: true, cwd: "." }),
    ]);
  });

  it("lets a member it is shared with watch read-only, and is NOT_FOUND for another tenant", async () => {
    ts ??= await startTestServer({ api });
    // The owner's organization, where a member can join.
    const founder = await signUp(ts.url);
    const org = await httpClient(ts.url, founder.token).tenant.createOrganization.mutate({
      name: `Org ${emails}`,
    });
    const inOrg = await httpClient(ts.url, founder.token, founder.cookie).tenant.switch.mutate({
      tenantId: org.id,
    });
    const http = httpClient(ts.url, inOrg.accessToken);
    const ws = await http.workspace.create.mutate({ name: "shared", path: "shared" });
    const ownerClient = wsClientFor(ts.wsUrl, inOrg.accessToken);
    closers.push(ownerClient.close);
    const me = { ...founder, tenantId: org.id, http, ws, api: ownerClient.api };
    const term = await new AttachedTerminal(me.api, { workspaceId: me.ws.id }).opened();
    const type = (data: string) =>
      me.api.terminal.input.mutate({ terminalId: term.terminalId, data });
    await runIn(term, type, "echo for-the-watcher");

    // A member of the owner's tenant, the session shared with them.
    const member = await signUp(ts.url);
    await createRepositories(ts.store).users.addMembership(me.tenantId, member.userId, "Developer");
    const switched = await httpClient(ts.url, member.token, member.cookie).tenant.switch.mutate({
      tenantId: me.tenantId,
    });
    await me.http.workspace.share.mutate({ id: me.ws.id, userIds: [member.userId] });
    const watcherClient = wsClientFor(ts.wsUrl, switched.accessToken);
    closers.push(watcherClient.close);
    const watcher = await new AttachedTerminal(watcherClient.api, {
      workspaceId: me.ws.id,
      cols: 50,
      rows: 10,
    }).opened();
    expect(watcher.readOnly).toBe(true);
    // The watcher is told the owner's size (its own cols / rows change nothing).
    expect(watcher.size).toEqual({ cols: 100, rows: 30 });
    await watcher.waitFor("for-the-watcher");
    const from = watcher.text.length;
    await runIn(term, type, "echo live-to-watcher");
    await watcher.waitFor("live-to-watcher", { from });
    const input = { terminalId: term.terminalId, data: "echo nope\r" };
    expect(await codeOf(watcherClient.api.terminal.input.mutate(input))).toBe("FORBIDDEN");
    expect(
      await codeOf(watcherClient.api.terminal.kill.mutate({ terminalId: term.terminalId })),
    ).toBe("FORBIDDEN");
    expect(await codeOf(watcherClient.api.terminal.create.mutate({ workspaceId: me.ws.id }))).toBe(
      "FORBIDDEN",
    );

    // Someone of another tenant learns nothing, whatever they call.
    const stranger = await signUp(ts.url);
    const s = wsClientFor(ts.wsUrl, stranger.token);
    closers.push(s.close);
    const attach = new AttachedTerminal(s.api, {
      workspaceId: me.ws.id,
      terminalId: term.terminalId,
    });
    expect(await codeOf(attach.opened())).toBe("NOT_FOUND");
    expect(await codeOf(s.api.terminal.input.mutate(input))).toBe("NOT_FOUND");
    expect(await codeOf(s.api.terminal.resize.mutate({ ...input, cols: 10, rows: 10 }))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(s.api.terminal.kill.mutate({ terminalId: term.terminalId }))).toBe(
      "NOT_FOUND",
    );
    expect(
      await codeOf(s.api.terminal.rename.mutate({ terminalId: term.terminalId, name: "x" })),
    ).toBe("NOT_FOUND");
    expect(await codeOf(s.api.terminal.list.query({ workspaceId: me.ws.id }))).toBe("NOT_FOUND");
    expect(await codeOf(s.api.terminal.create.mutate({ workspaceId: me.ws.id }))).toBe("NOT_FOUND");
    // The owner's terminal never saw the stranger's or the watcher's input.
    expect(term.text).not.toContain("nope");
  });

  it("limits live terminals per user with a sentence naming the limit, and kill ends one", async () => {
    const me = await owner();
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(await me.api.terminal.create.mutate({ workspaceId: me.ws.id }));
    expect(made.map((t) => t.name)).toEqual(["Terminal 1", "Terminal 2", "Terminal 3"]);
    const refused = me.api.terminal.create.mutate({ workspaceId: me.ws.id });
    expect(await messageOf(refused)).toMatch(/3 live terminals.*HEARTH_MAX_TERMINALS_PER_USER/);
    expect(await codeOf(me.api.terminal.create.mutate({ workspaceId: me.ws.id }))).toBe(
      "PRECONDITION_FAILED",
    );
    const term = await new AttachedTerminal(me.api, {
      workspaceId: me.ws.id,
      terminalId: made[1]!.id,
    }).opened();
    await me.api.terminal.kill.mutate({ terminalId: made[1]!.id });
    for (let i = 0; i < 100 && term.exitCode === undefined; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(term.exitCode).toBeDefined();
    const left = await me.api.terminal.list.query({ workspaceId: me.ws.id });
    expect(left.map((t) => t.id)).toEqual([made[0]!.id, made[2]!.id]);
    // Room for one more now.
    await me.api.terminal.create.mutate({ workspaceId: me.ws.id, name: "build" });
    for (const t of await me.api.terminal.list.query({ workspaceId: me.ws.id })) {
      await me.api.terminal.kill.mutate({ terminalId: t.id });
    }
  });

  it("ends a session's terminals when the session is deleted", async () => {
    const me = await owner();
    const term = await new AttachedTerminal(me.api, { workspaceId: me.ws.id }).opened();
    const type = (data: string) =>
      me.api.terminal.input.mutate({ terminalId: term.terminalId, data });
    await runIn(term, type, "echo still-here");
    // Past the periodic save: nothing is left to save, so only the delete can end it.
    await new Promise((r) => setTimeout(r, 2500));
    await me.http.workspace.delete.mutate({ id: me.ws.id });
    for (let i = 0; i < 60 && term.exitCode === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(term.exitCode).toBeDefined();
    expect(await codeOf(type("echo gone\r"))).toBe("NOT_FOUND");
  });

  it("saves cwd, history, variables and scrollback into workspace.get while output flows, and never makes an autosave conflict", async () => {
    const me = await owner();
    fs.mkdirSync(path.join(ts.dataDir, "workspaces"), { recursive: true });
    const term = await new AttachedTerminal(me.api, { workspaceId: me.ws.id }).opened();
    const type = (data: string) =>
      me.api.terminal.input.mutate({ terminalId: term.terminalId, data });
    await runIn(term, type, "mkdir -p sub && cd sub && export BUILD_MODE=fast");
    await runIn(term, type, "echo saved-line");
    await type("for i in $(seq 1 30); do echo tick-$i; sleep 0.1; done\r");
    // The editor autosaves on its own rev while the terminal writes its state.
    let rev = (await me.http.workspace.get.query({ id: me.ws.id })).rev;
    const deadline = Date.now() + 3500;
    while (Date.now() < deadline) {
      const saved = await me.http.workspace.autosave.mutate({
        id: me.ws.id,
        baseRev: rev,
        memory: { facts: [`at ${Date.now()}`], decisions: [] },
      });
      rev = saved.rev;
      await new Promise((r) => setTimeout(r, 100));
    }
    await term.waitFor("tick-30");
    await new Promise((r) => setTimeout(r, 2500));
    const got = await me.http.workspace.get.query({ id: me.ws.id });
    expect(got.rev).toBe(rev);
    expect(got.terminal.cwd).toBe("sub");
    expect(got.terminal.environmentVars).toEqual({ BUILD_MODE: "fast" });
    expect(got.terminal.commandHistory.join("\n")).toContain("echo saved-line");
    expect(got.terminal.scrollback).toContain("tick-30");
    expect(got.terminals).toEqual([
      { id: term.terminalId, name: "Terminal 1", cwd: "sub", active: true },
    ]);
  });
});

describe("terminals across server restarts", () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-term-restart-"));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function expectRevived(
    url: string,
    wsUrl: string,
    token: string,
    workspaceId: string,
    terminalId: string,
    marker: string,
  ) {
    const client = wsClientFor(wsUrl, token);
    closers.push(client.close);
    const term = await new AttachedTerminal(client.api, { workspaceId, terminalId }).opened();
    const type = (data: string) => client.api.terminal.input.mutate({ terminalId, data });
    // The old screen, above a dim "restored" line.
    await term.waitFor(new RegExp(`${marker}[\\s\\S]*restored`));
    const line = 'echo "[$PWD][$REVIVE_VAR][$' + '{HEARTH_DATA_DIR:-unset}]"';
    const out = await runIn(term, type, line);
    expect(out).toMatch(new RegExp(`\\[[^\\]]*/deep\\]\\[${marker}\\]`));
    // The server's own environment (it has HEARTH_DATA_DIR) never reaches the shell.
    expect(out).toContain("][unset]");
    // Up-arrow twice: past that echo, to the last command before the restart.
    const from = term.text.length;
    await type("\x1b[A\x1b[A\r");
    await term.waitFor(`again-${marker}`, { from });
    const got = await httpClient(url, token).workspace.get.query({ id: workspaceId });
    expect(got.terminals.map((t) => t.id)).toEqual([terminalId]);
    term.close();
  }

  it("revives cwd, variables, history and scrollback after a graceful restart and after kill -9", async () => {
    server = await startServerProcess(dataDir, sandboxEnv);
    const me = await signUp(server.url);
    const http = httpClient(server.url, me.token);
    const ws = await http.workspace.create.mutate({ name: "revive", path: "revive" });
    let client = wsClientFor(server.wsUrl, me.token);
    let term = await new AttachedTerminal(client.api, { workspaceId: ws.id }).opened();
    const terminalId = term.terminalId;
    let type = (data: string) => client.api.terminal.input.mutate({ terminalId, data });
    await runIn(term, type, "mkdir -p deep && cd deep && export REVIVE_VAR=graceful");
    await runIn(term, type, "echo graceful; echo again-graceful");
    // The next prompt reports that command line; then the server stops.
    await new Promise((r) => setTimeout(r, 300));
    client.close();
    await server.stop();

    server = await startServerProcess(dataDir, sandboxEnv);
    await expectRevived(server.url, server.wsUrl, me.token, ws.id, terminalId, "graceful");

    // Now with no shutdown at all: what the periodic save held (at most 2 s old) survives.
    client = wsClientFor(server.wsUrl, me.token);
    term = await new AttachedTerminal(client.api, { workspaceId: ws.id, terminalId }).opened();
    type = (data: string) => client.api.terminal.input.mutate({ terminalId, data });
    await runIn(term, type, "export REVIVE_VAR=killed; echo killed; echo again-killed");
    await new Promise((r) => setTimeout(r, 3000));
    client.close();
    await server.kill9();

    server = await startServerProcess(dataDir, sandboxEnv);
    await expectRevived(server.url, server.wsUrl, me.token, ws.id, terminalId, "killed");
  }, 180_000);

  it("keeps server memory bounded while `yes` runs, answers autosaves meanwhile, and Ctrl+C stops it", async () => {
    server ??= await startServerProcess(dataDir, sandboxEnv);
    const me = await signUp(server.url);
    const http = httpClient(server.url, me.token);
    const ws = await http.workspace.create.mutate({ name: "flood", path: "flood" });
    const client = wsClientFor(server.wsUrl, me.token);
    closers.push(client.close);
    const term = await new AttachedTerminal(client.api, { workspaceId: ws.id }).opened();
    const type = (data: string) =>
      client.api.terminal.input.mutate({ terminalId: term.terminalId, data });
    await runIn(term, type, "true");
    const before = server.rss();
    await type("yes\r");
    let rev = 0;
    let peak = before;
    let slowest = 0;
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const t0 = performance.now();
      rev = (
        await http.workspace.autosave.mutate({
          id: ws.id,
          baseRev: rev,
          memory: { facts: ["x"], decisions: [] },
        })
      ).rev;
      slowest = Math.max(slowest, performance.now() - t0);
      peak = Math.max(peak, server.rss());
      // The client keeps the text short: only what it needs to find the prompt again.
      if (term.text.length > 1_000_000) term.text = term.text.slice(-10_000);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rev).toBeGreaterThan(20);
    // Bounded: nowhere near the gigabytes `yes` wrote in 10 s.
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
    expect(slowest).toBeLessThan(2000);
    await type("\x03");
    const out = await runIn(term, type, "echo stopped-yes", 15_000);
    expect(out).toContain("stopped-yes");
  }, 60_000);
});
