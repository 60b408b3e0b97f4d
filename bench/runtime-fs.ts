/**
 * bench:runtime, files part: quick open (fs.search) over a workspace of 10,000 files,
 * called as the browser calls it (tRPC over HTTP against a started server with a real
 * SQLite file), beside fs.stat on the same server as the baseline of a call that does no
 * search. The first search builds the index (one walk); the measured ones use it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startTestServer } from "@hearth/web/testing";
import { p50Ms, round } from "./lib/measure";

const FILES = 10_000;
const RUNS = Number(process.env.BENCH_FS_RUNS ?? 300);
const FOLDERS = ["src/components", "src/lib", "src/routes", "test", "docs", "scripts"];
const STEMS = ["button", "editor", "terminal", "session", "tab-bar", "index", "util", "store"];

/** A file path of a plausible project: folder / module folder / stem-n.ext. */
function fileAt(i: number): string {
  const folder = FOLDERS[i % FOLDERS.length]!;
  const stem = STEMS[Math.floor(i / FOLDERS.length) % STEMS.length]!;
  const ext = [".ts", ".tsx", ".md", ".json"][i % 4]!;
  return `${folder}/module-${Math.floor(i / 100)}/${stem}-${i}${ext}`;
}

/** What a person types into quick open for file `i`: a few letters of its folder and name. */
function queryFor(i: number): string {
  const p = fileAt(i);
  const name = p.slice(p.lastIndexOf("/") + 1);
  return `mod${Math.floor(i / 100)}${name.slice(0, 3)}${i}`;
}

async function call(
  base: string,
  token: string,
  proc: string,
  input: unknown,
  kind: "query" | "mutation" = "query",
): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, origin: base };
  const url = `${base}/api/trpc/${proc}`;
  const res =
    kind === "query"
      ? await fetch(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
      : await fetch(url, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify(input),
        });
  const body = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
  if (!res.ok || !body.result) throw new Error(`${proc}: ${body.error?.message ?? res.status}`);
  return body.result.data;
}

export async function benchFsSearch(): Promise<Record<string, number>> {
  const ts = await startTestServer();
  try {
    const reg = (await fetch(`${ts.trpcUrl}/auth.register`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ts.url },
      body: JSON.stringify({
        email: "bench@hearth.test",
        password: "a long bench password",
        firstName: "Bench",
        lastName: "Runtime",
      }),
    }).then((r) => r.json())) as {
      result: { data: { accessToken: string; user: { id: string }; tenant: { id: string } } };
    };
    const { accessToken: token, user, tenant } = reg.result.data;
    const s = (await call(
      ts.url,
      token,
      "workspace.create",
      { name: "big", path: "big" },
      "mutation",
    )) as {
      id: string;
    };
    const folder = path.join(ts.dataDir, "workspaces", tenant.id, user.id, "big");
    for (let i = 0; i < FILES; i++) {
      const file = path.join(folder, fileAt(i));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, "");
    }
    for (let i = 0; i < 10; i++) {
      await call(
        ts.url,
        token,
        "fs.opened",
        { workspaceId: s.id, path: fileAt(i * 997) },
        "mutation",
      );
    }
    const t0 = performance.now();
    await call(ts.url, token, "fs.search", { workspaceId: s.id, query: "x" });
    const indexBuildMs = performance.now() - t0;
    const search = await p50Ms(RUNS, (i) =>
      call(ts.url, token, "fs.search", { workspaceId: s.id, query: queryFor((i * 7919) % FILES) }),
    );
    const stat = await p50Ms(RUNS, (i) =>
      call(ts.url, token, "fs.stat", { workspaceId: s.id, path: fileAt((i * 7919) % FILES) }),
    );
    return {
      fsSearchP50Ms_10kFiles: round(search),
      fsStatP50Ms_baseline: round(stat),
      fsSearchOverStatMs: round(search - stat),
      fsSearchFirstCallMs_indexBuild: round(indexBuildMs),
    };
  } finally {
    await ts.stop();
  }
}
