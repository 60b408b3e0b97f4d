import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { register } from "../../server/api-test-helpers";
import { startTestServer, type TestServer } from "../../server/testing";
import { createIdeStore, type IdeStore } from "../state/ide-store";
import { fromParts, sessionParts } from "../state/snapshot";
import type { WorkspaceSession } from "../state/types";
import {
  type AutosaveRequest,
  Autosaver,
  type AutosaveTransport,
  type PendingSave,
  type PendingStore,
  resumeParts,
} from "./autosave";
import { httpAutosaveTransport } from "./transport";

// Autosave against the real server over HTTP (a real SQLite file); only the browser's
// IndexedDB is a Map here, since Node has none (the e2e specs use the real one).

let ts: TestServer;
let small: TestServer;

beforeAll(async () => {
  [ts, small] = await Promise.all([
    startTestServer(),
    startTestServer({ maxBodyBytes: 16 * 1024 }),
  ]);
});
afterAll(async () => {
  await Promise.all([ts.stop(), small.stop()]);
});

let users = 0;
async function signedIn(server: TestServer) {
  users += 1;
  const { b, api } = await register(server, {
    email: `autosave${users}@example.com`,
    password: "correct horse battery",
    firstName: "Ada",
    lastName: "Lovelace",
  });
  const ws = await api.workspace.create.mutate({ name: `ws${users}`, path: `ws${users}` });
  return { token: b.token!, api, id: ws.id };
}

class MemoryPending implements PendingStore {
  readonly map = new Map<string, PendingSave>();
  async get(id: string) {
    return this.map.get(id);
  }
  async set(id: string, p: PendingSave) {
    this.map.set(id, structuredClone(p));
  }
  async delete(id: string) {
    this.map.delete(id);
  }
}

/** The real HTTP transport, recording what it sends. */
function recorded(transport: AutosaveTransport) {
  const sent: AutosaveRequest[] = [];
  const exits: AutosaveRequest[] = [];
  return {
    sent,
    exits,
    transport: {
      save(r: AutosaveRequest) {
        sent.push(structuredClone(r));
        return transport.save(r);
      },
      load: (id: string) => transport.load(id),
      sendOnExit(r: AutosaveRequest) {
        exits.push(structuredClone(r));
        transport.sendOnExit(r);
      },
    } satisfies AutosaveTransport,
  };
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A tab on a session: its store loaded from workspace.get, and autosave running. */
async function openTab(
  server: TestServer,
  user: { token: string; id: string },
  opts: { baseUrl?: () => string; pending?: MemoryPending } = {},
) {
  const http = httpAutosaveTransport({ baseUrl: server.url, token: () => user.token });
  const session = await http.load(user.id);
  const pending = opts.pending ?? new MemoryPending();
  const resumed = resumeParts(session, await pending.get(user.id), new Date());
  const store = createIdeStore(user.id);
  store.getState().replace(fromParts(resumed.parts));
  const transport = opts.baseUrl ? dynamicTransport(opts.baseUrl, user.token) : recorded(http);
  const saver = new Autosaver(
    store,
    transport.transport,
    pending,
    sessionParts(session),
    session.rev,
    {
      debounceMs: 40,
      retryMs: [30],
    },
  );
  saver.start((await pending.get(user.id)) !== undefined);
  return { store, saver, pending, sent: transport.sent, exits: transport.exits };
}

function dynamicTransport(baseUrl: () => string, token: string) {
  const forUrl = () => httpAutosaveTransport({ baseUrl: baseUrl(), token: () => token });
  return recorded({
    save: (r) => forUrl().save(r),
    load: (id) => forUrl().load(id),
    sendOnExit: (r) => forUrl().sendOnExit(r),
  });
}

function type(store: IdeStore, path: string, text: string) {
  const s = store.getState();
  s.openFile(path);
  s.fileRead(path, { content: "", mtimeMs: 1 });
  s.setText(path, text);
}

describe("autosave", () => {
  it("sends one debounced save holding only what changed, and says Saved", async () => {
    const user = await signedIn(ts);
    const tab = await openTab(ts, user);
    const { store } = tab;
    type(store, "a.ts", "h");
    store.getState().setText("a.ts", "he");
    store.getState().setText("a.ts", "hello");
    expect(store.getState().status).toBe("Saving…");
    await until(() => store.getState().status === "Saved");
    expect(tab.sent).toHaveLength(1);
    expect(tab.sent[0]!.buffers).toEqual({ "a.ts": "hello" });
    expect(tab.sent[0]!.debug).toBeUndefined();

    store.getState().addWatch("x + 1");
    await until(() => tab.sent.length === 2 && store.getState().status === "Saved");
    expect(Object.keys(tab.sent[1]!).sort()).toEqual(["baseRev", "debug", "id"]);

    const saved = await user.api.workspace.get.query({ id: user.id });
    expect(saved.buffers).toEqual({ "a.ts": "hello" });
    expect(saved.debug.watchExpressions).toEqual(["x + 1"]);
    expect(saved.editor.openTabs.map((t) => t.path)).toEqual(["a.ts"]);
    tab.saver.stop();
  });

  it("keeps the split's groups, both shown tabs and the panel sizes", async () => {
    const user = await signedIn(ts);
    const tab = await openTab(ts, user);
    const s = tab.store.getState();
    s.openFile("a.ts");
    s.openFile("b.ts");
    s.setLayout("split-vertical");
    s.openFile("c.ts", 1);
    s.setActive("b.ts", 0);
    s.setPanels({ sidebar: 31, terminal: 42, split: 60, terminalOpen: false });
    await until(() => tab.store.getState().status === "Saved");
    tab.saver.stop();

    const again = await openTab(ts, user);
    const restored = again.store.getState();
    expect(restored.layout).toBe("split-vertical");
    expect(restored.tabs.map((t) => `${t.group}:${t.path}`)).toEqual([
      "0:a.ts",
      "0:b.ts",
      "1:b.ts",
      "1:c.ts",
    ]);
    expect(restored.active).toEqual(["b.ts", "c.ts"]);
    expect(restored.focusedGroup).toBe(0);
    expect(restored.panels).toEqual({ sidebar: 31, terminal: 42, split: 60, terminalOpen: false });
    again.saver.stop();
  });

  it("saving a file to disk drops its unsaved text from the session", async () => {
    const user = await signedIn(ts);
    const { store, saver } = await openTab(ts, user);
    type(store, "a.ts", "draft");
    await until(() => store.getState().status === "Saved");
    store.getState().fileWritten("a.ts", { content: "draft", mtimeMs: 2 });
    await until(async () => {
      const s = await user.api.workspace.get.query({ id: user.id });
      return Object.keys(s.buffers).length === 0;
    });
    saver.stop();
  });

  it("two tabs editing different files of one session both keep their text", async () => {
    const user = await signedIn(ts);
    const one = await openTab(ts, user);
    const two = await openTab(ts, user);
    type(one.store, "one.ts", "from tab one");
    await until(() => one.store.getState().status === "Saved");
    type(two.store, "two.ts", "from tab two");
    await until(() => two.store.getState().status === "Saved");
    const saved = await user.api.workspace.get.query({ id: user.id });
    expect(saved.buffers).toEqual({ "one.ts": "from tab one", "two.ts": "from tab two" });
    // The later tab took the other's file in, with a tab to reach it.
    expect(
      two.store
        .getState()
        .tabs.map((t) => t.path)
        .sort(),
    ).toEqual(["one.ts", "two.ts"]);
    expect(two.store.getState().notices).toEqual([]);
    one.saver.stop();
    two.saver.stop();
  });

  it("opening a session sends nothing until something changes, also one never opened before", async () => {
    const user = await signedIn(ts);
    const tab = await openTab(ts, user);
    await new Promise((r) => setTimeout(r, 300));
    expect(tab.sent).toEqual([]);
    expect(tab.store.getState().status).toBe("Saved");
    tab.saver.stop();
  });

  it("the same file changed in two tabs: this tab's text stays, the other's is a recoverable copy", async () => {
    const user = await signedIn(ts);
    const one = await openTab(ts, user);
    const two = await openTab(ts, user);
    type(one.store, "notes.md", "written in one");
    await until(() => one.store.getState().status === "Saved");
    type(two.store, "notes.md", "written in two");
    await until(() => two.store.getState().status === "Saved");
    const saved = await user.api.workspace.get.query({ id: user.id });
    expect(saved.buffers["notes.md"]).toBe("written in two");
    const copies = Object.entries(saved.buffers).filter(([p]) =>
      p.startsWith("notes.md.conflict-"),
    );
    expect(copies.map(([, text]) => text)).toEqual(["written in one"]);
    const notices = two.store.getState().notices.map((n) => n.text);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(copies[0]![0]);
    one.saver.stop();
    two.saver.stop();
  });

  it("while the server cannot be reached it says Offline, keeps the text, and sends it when back", async () => {
    const user = await signedIn(ts);
    let url = "http://127.0.0.1:9"; // nothing listens on the discard port
    const tab = await openTab(ts, user, { baseUrl: () => url });
    type(tab.store, "a.ts", "typed offline");
    await until(() => tab.store.getState().status === "Offline");
    expect(tab.pending.map.get(user.id)?.patch.buffers).toEqual({ "a.ts": "typed offline" });
    url = ts.url;
    tab.saver.online();
    await until(() => tab.store.getState().status === "Saved");
    expect(tab.pending.map.size).toBe(0);
    const saved = await user.api.workspace.get.query({ id: user.id });
    expect(saved.buffers).toEqual({ "a.ts": "typed offline" });
    tab.saver.stop();
  });

  it("text kept in the browser is sent on the next visit, merged with what was saved meanwhile", async () => {
    const user = await signedIn(ts);
    const pending = new MemoryPending();
    const url = "http://127.0.0.1:9";
    const away = await openTab(ts, user, { baseUrl: () => url, pending });
    type(away.store, "a.ts", "kept in the browser");
    away.store.getState().addFact("offline fact");
    await until(() => away.store.getState().status === "Offline");
    away.saver.stop();
    // Meanwhile another device saves.
    const other = await openTab(ts, user);
    type(other.store, "b.ts", "from another device");
    other.store.getState().addFact("other fact");
    await until(() => other.store.getState().status === "Saved");
    other.saver.stop();

    const back = await openTab(ts, user, { pending });
    expect(back.store.getState().buffers).toEqual({
      "a.ts": "kept in the browser",
      "b.ts": "from another device",
    });
    await until(() => back.store.getState().status === "Saved" && pending.map.size === 0);
    const saved = await user.api.workspace.get.query({ id: user.id });
    expect(saved.buffers).toEqual({ "a.ts": "kept in the browser", "b.ts": "from another device" });
    expect(saved.memory.facts.sort()).toEqual(["offline fact", "other fact"]);
    back.saver.stop();
  });

  it("shows a refusal (413) and does not send the same save again", async () => {
    const user = await signedIn(small);
    const tab = await openTab(small, user);
    type(tab.store, "big.txt", "x".repeat(20 * 1024));
    await until(() => tab.store.getState().saveError !== null);
    expect(tab.store.getState().saveError).toMatch(/^Not saved: /);
    const tries = tab.sent.length;
    tab.store.getState().setPanels({ sidebar: 25 });
    tab.store.getState().setPanels({ sidebar: 20 });
    await new Promise((r) => setTimeout(r, 300));
    expect(tab.sent.length).toBe(tries);
    // A change makes a new save, which the server takes.
    tab.store.getState().setText("big.txt", "small now");
    await until(() => tab.store.getState().status === "Saved");
    expect(tab.store.getState().saveError).toBeNull();
    tab.saver.stop();
  });

  it("leaving the page sends what is pending with keepalive, small parts only when too large", async () => {
    const user = await signedIn(ts);
    const tab = await openTab(ts, user);
    tab.saver.stop();
    type(tab.store, "a.ts", "last words");
    tab.saver.flushOnExit();
    expect(tab.exits.at(-1)?.buffers).toEqual({ "a.ts": "last words" });
    await until(async () => {
      const s = await user.api.workspace.get.query({ id: user.id });
      return s.buffers["a.ts"] === "last words";
    });

    const big = await openTab(ts, user);
    big.saver.stop();
    type(big.store, "big.txt", "y".repeat(100 * 1024));
    big.saver.flushOnExit();
    const exit = big.exits.at(-1)!;
    expect(exit.buffers).toBeUndefined();
    expect(exit.editor?.openTabs.map((t) => t.path)).toContain("big.txt");
    expect(big.pending.map.get(user.id)?.patch.buffers?.["big.txt"]).toHaveLength(100 * 1024);
  });
});

describe("resumeParts", () => {
  const session = (rev: number, buffers: Record<string, string>): WorkspaceSession =>
    ({
      rev,
      editor: { layout: "single", activeTabIndex: -1, openTabs: [] },
      debug: { breakpoints: [], watchExpressions: [] },
      memory: { facts: [], decisions: [] },
      buffers,
    }) as unknown as WorkspaceSession;
  const pending = (baseRev: number, buffers: Record<string, string | null>): PendingSave => ({
    baseRev,
    at: new Date().toISOString(),
    patch: { buffers },
    base: {
      debug: { breakpoints: [], watchExpressions: [] },
      memory: { facts: [], decisions: [] },
      buffers: Object.fromEntries(Object.keys(buffers).map((p) => [p, "base"])),
    },
  });

  it("applies pending text made on the rev the server still has", () => {
    const r = resumeParts(session(3, { a: "base" }), pending(3, { a: "mine" }), new Date());
    expect(r.parts.buffers).toEqual({ a: "mine" });
  });

  it("keeps both texts when the server moved on with the same file", () => {
    const r = resumeParts(session(5, { a: "theirs" }), pending(3, { a: "mine" }), new Date());
    expect(r.parts.buffers.a).toBe("mine");
    expect(r.copies).toHaveLength(1);
    expect(r.parts.buffers[r.copies[0]!.copyPath]).toBe("theirs");
  });
});
