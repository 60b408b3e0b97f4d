/**
 * The operator's commands against running servers, checked through the API as a user
 * would: a tenant moved to another server reads back identical, a backup restored into a
 * new data directory serves the same sessions.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hearthApi } from "../hearth-api";
import { createLogger } from "../logger";
import { createHearthServer } from "../server";
import { startTestServer, type TestServer } from "../testing";
import { runOpsCommand } from "./cli";
import { ApiClient, PASSWORD, type SignedIn } from "./client";
import { checkStore } from "./store-checks";

const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function server(): Promise<TestServer> {
  const s = await startTestServer();
  servers.push(s);
  return s;
}

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-ops-test-"));
  dirs.push(d);
  return d;
}

async function ops(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runOpsCommand(argv, {} as NodeJS.ProcessEnv, {
    out: (l) => {
      out += `${l}\n`;
    },
    err: (l) => {
      err += `${l}\n`;
    },
  });
  return { code, out, err };
}

interface Workspace {
  id: string;
  rev: number;
  name: string;
  buffers: Record<string, string>;
  editor: unknown;
}

/** A user with two workspaces, one holding a 1 MiB buffer (many chunks) and tabs. */
async function populate(api: ApiClient, email: string) {
  const me = await api.mutate<SignedIn>("auth.register", {
    email,
    password: PASSWORD,
    firstName: "Moving",
    lastName: "User",
  });
  const token = me.accessToken;
  const ids: string[] = [];
  for (const name of ["Main", "Side"]) {
    const ws = await api.mutate<Workspace>("workspace.create", { name, path: name }, token);
    ids.push(ws.id);
  }
  await api.mutate(
    "workspace.autosave",
    {
      id: ids[0],
      baseRev: 0,
      buffers: { "big.txt": "0123456789abcdef".repeat(65_536), "small.ts": "let x = 1;\n" },
      editor: {
        layout: "split-vertical",
        activeTabIndex: 0,
        openTabs: [{ path: "big.txt", viewState: { cursor: { line: 40, column: 2 } } }],
      },
    },
    token,
  );
  return { me, token, ids };
}

/** What a user sees of their workspaces through the API. */
async function view(api: ApiClient, token: string, ids: string[]) {
  const me = await api.query<{ user: { id: string; email: string } }>("auth.me", undefined, token);
  const sessions = await Promise.all(
    ids.map((id) => api.query<Workspace>("workspace.get", { id }, token)),
  );
  return { me, sessions };
}

async function login(api: ApiClient, email: string): Promise<string> {
  const res = await api.mutate<SignedIn>("auth.login", { email, password: PASSWORD });
  return res.accessToken;
}

describe("export-tenant and import-tenant", () => {
  it("move a tenant to another running server, where it reads back identical", async () => {
    const a = await server();
    const b = await server();
    const apiA = new ApiClient(a.url);
    const apiB = new ApiClient(b.url);
    const { me, token, ids } = await populate(apiA, "mover@hearth.test");
    // B already has people of its own.
    await populate(apiB, "resident@hearth.test");
    const file = path.join(tempDir(), "tenant.jsonl");

    const exported = await ops("export-tenant", file, me.tenant.id, "--data-dir", a.dataDir);
    expect(exported.err).toBe("");
    expect(exported.code).toBe(0);
    const imported = await ops("import-tenant", file, "--data-dir", b.dataDir);
    expect(imported.err).toBe("");
    expect(imported.code).toBe(0);

    const onB = await view(apiB, await login(apiB, "mover@hearth.test"), ids);
    expect(onB).toEqual(await view(apiA, token, ids));
    expect(onB.sessions[0]!.buffers["big.txt"]).toHaveLength(1024 * 1024);
    expect((await checkStore(b.dataDir)).consistency).toEqual([]);

    // A second import would duplicate the user and the tenant: refused, nothing written.
    const again = await ops("import-tenant", file, "--data-dir", b.dataDir);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exist.*nothing was imported/);
  }, 60_000);

  it("refuses an unknown tenant and leaves no file behind", async () => {
    const a = await server();
    const file = path.join(tempDir(), "none.jsonl");
    const res = await ops("export-tenant", file, "01nosuchtenant", "--data-dir", a.dataDir);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/no tenant/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("backup and restore", () => {
  it("back up a serving store, restore it into a new data directory, and serve the same sessions", async () => {
    const a = await server();
    const api = new ApiClient(a.url);
    const { token, ids } = await populate(api, "saved@hearth.test");
    const file = path.join(tempDir(), "hearth-backup.sqlite");

    // Saves keep landing while the backup runs.
    let saving = true;
    let rev = (await api.query<Workspace>("workspace.get", { id: ids[1] }, token)).rev;
    const load = (async () => {
      while (saving) {
        const r = await api.mutate<{ rev: number }>(
          "workspace.autosave",
          { id: ids[1], baseRev: rev, buffers: { "live.txt": `rev ${rev}` } },
          token,
        );
        rev = r.rev;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const backup = await ops("backup", file, "--data-dir", a.dataDir);
    saving = false;
    await load;
    expect(backup.err).toBe("");
    expect(backup.out).toMatch(/integrity ok, consistency clean/);
    expect(backup.code).toBe(0);

    // Not over a data directory in use (it holds the store and the key) without --force.
    const refused = await ops("restore", file, "--data-dir", a.dataDir);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/not empty.*--force/);

    const fresh = path.join(tempDir(), "restored");
    const restored = await ops("restore", file, "--data-dir", fresh);
    expect(restored.code).toBe(0);
    const b = await createHearthServer({
      api: hearthApi,
      port: 0,
      dataDir: fresh,
      logger: createLogger({ level: "silent" }),
    });
    try {
      const apiB = new ApiClient(b.url);
      const tokenB = await login(apiB, "saved@hearth.test");
      const main = await apiB.query<Workspace>("workspace.get", { id: ids[0] }, tokenB);
      expect(main).toEqual(await api.query<Workspace>("workspace.get", { id: ids[0] }, token));
      // The live session is there as of some save during the backup: whole, never half.
      const live = await apiB.query<Workspace>("workspace.get", { id: ids[1] }, tokenB);
      expect(live.rev).toBeGreaterThan(0);
      expect(live.buffers["live.txt"]).toBe(`rev ${live.rev - 1}`);
    } finally {
      await b.close();
    }
    expect(await checkStore(fresh)).toEqual({ consistency: [], integrity: "ok" });
  }, 60_000);

  it("says how to use it", async () => {
    const res = await ops("backup");
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/usage/);
  });
});
