/**
 * `pnpm bench:web`: the IDE page in Chromium against the production server, measured in
 * one run on this machine. Each figure is the median of TRIES tries; emptyPageLoadMs (a
 * static page from the same server) is the baseline for the reload figures.
 *
 * - reloadToRestoredMs: navigation start → the editor shows the restored unsaved text
 *   on line 120 and the restored cursor there (status bar "Ln 120").
 * - reloadToTerminalMs: navigation start → the terminal shows its screen again.
 * - keystrokeToSavedMs: a keystroke → the autosave carrying it has been stored.
 * - terminalEchoMs: a keypress in the terminal → its echo on screen.
 * - ideRouteJsKb: compressed JavaScript the IDE route loads (Monaco workers apart).
 *
 * Builds what changed first (as `pnpm start` does; BENCH_WEB_BUILD=0 skips that), then
 * runs apps/web/dist/server.mjs. BENCH_WEB_TRIES sets the tries (default 10). Writes
 * bench/results/web.json and prints it.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "@playwright/test";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const TRIES = Number(process.env.BENCH_WEB_TRIES || 10);
const TARGETS = {
  reloadToRestoredMs: 1000,
  reloadToTerminalMs: 1500,
  keystrokeToSavedMs: 1500,
  terminalEchoMs: 20,
};
// No spaces: Monaco renders them as no-break spaces.
const UNSAVED = "//unsaved-bench-marker";
const TERMINAL_MARKER = "bench-terminal-marker";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const m = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(m * 10) / 10;
}

async function startServer(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(root, "apps/web/dist/server.mjs")], {
    cwd: root,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      HEARTH_DATA_DIR: dataDir,
      HEARTH_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /hearth listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, child };
}

/** Records, from the page's own clock, when the restored editor and terminal show. */
function watchForRestore(marker: { unsaved: string; terminal: string }) {
  const w = window as unknown as Record<string, number | undefined>;
  const check = () => {
    if (w.__restoredAt === undefined) {
      const lines = document.querySelector('[data-testid="editor"] .view-lines');
      const status = document.querySelector(".status-bar")?.textContent ?? "";
      if (lines?.textContent?.includes(marker.unsaved) && status.includes("Ln 120,")) {
        w.__restoredAt = performance.now();
      }
    }
    if (w.__terminalAt === undefined) {
      const rows = document.querySelector('[data-testid="terminal"] .xterm-rows');
      if (rows?.textContent?.includes(marker.terminal)) w.__terminalAt = performance.now();
    }
  };
  const observer = new MutationObserver(check);
  const start = () =>
    observer.observe(document.documentElement, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  if (document.documentElement) start();
  else document.addEventListener("DOMContentLoaded", start);
  // Autosaves stored, by the page's clock (the response comes after the commit).
  const saved: number[] = [];
  (window as unknown as { __saved: number[] }).__saved = saved;
  const fetch0 = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const res = await fetch0(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.includes("workspace.autosave") && res.ok) saved.push(performance.now());
    return res;
  };
}

async function call<T>(page: Page, proc: string, input: unknown, token?: string): Promise<T> {
  return page.evaluate(
    async ({ proc, input, token }) => {
      const res = await fetch(`/api/trpc/${proc}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(input),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(JSON.stringify(body));
      return body.result.data;
    },
    { proc, input, token },
  ) as Promise<T>;
}

async function main(): Promise<void> {
  if (process.env.BENCH_WEB_BUILD !== "0") {
    const build = spawnSync(
      "pnpm",
      ["exec", "turbo", "run", "build", "--filter=@hearth/web", "--output-logs=errors-only"],
      { cwd: root, stdio: "inherit" },
    );
    if (build.status !== 0) throw new Error("the production build failed");
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-bench-web-"));
  const { url, child } = await startServer(dataDir);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 850 } });
    const page = await context.newPage();
    // tsx names functions through an `__name` helper; page-side copies need one too.
    await page.addInitScript({ content: "globalThis.__name = (f) => f;" });
    await page.addInitScript(watchForRestore, { unsaved: UNSAVED, terminal: TERMINAL_MARKER });

    // Baseline: a static page from the same server.
    const empty: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      await page.goto(`${url}/api/health`, { waitUntil: "load" });
      empty.push(
        await page.evaluate(() => {
          const [nav] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
          return nav!.loadEventEnd;
        }),
      );
    }

    // A session: a 200-line file open with unsaved text, the cursor on line 120, a
    // terminal that printed a marker.
    const reg = await call<{ accessToken: string }>(page, "auth.register", {
      email: `bench-${Date.now()}@example.com`,
      password: "correct horse battery staple",
      firstName: "Bench",
      lastName: "Web",
    });
    const token = reg.accessToken;
    const ws = await call<{ id: string }>(
      page,
      "workspace.create",
      { name: "bench", path: "bench" },
      token,
    );
    const lines = Array.from({ length: 200 }, (_, i) => `export const value${i} = ${i};`);
    await call(
      page,
      "fs.write",
      { workspaceId: ws.id, path: "main.ts", content: `${lines.join("\n")}\n` },
      token,
    );
    await page.goto(`${url}/w/${ws.id}`);
    await page.getByTestId("file-tree").getByRole("button", { name: "main.ts" }).click();
    const editor = page.getByTestId("editor").locator(".view-lines");
    await editor.getByText("value0 =").click();
    // Unsaved text on line 120, where the cursor stays (the view scrolls there).
    await page.keyboard.press("Control+Home");
    for (let i = 0; i < 119; i++) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Home");
    await page.keyboard.type(UNSAVED);
    await page.getByText("Ln 120,").waitFor();
    const term = page.getByTestId("terminal").locator(".xterm-screen");
    await term.click();
    await page.keyboard.type(`echo ${TERMINAL_MARKER}\n`);
    await page.getByTestId("terminal").getByText(TERMINAL_MARKER).nth(1).waitFor();
    await page.getByTestId("autosave-status").getByText("Saved").waitFor();

    const restored: number[] = [];
    const terminal: number[] = [];
    const jsKb: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      await page.reload();
      const at = await page.waitForFunction(
        () => {
          const w = window as unknown as Record<string, number | undefined>;
          return w.__restoredAt !== undefined && w.__terminalAt !== undefined
            ? [w.__restoredAt, w.__terminalAt]
            : null;
        },
        undefined,
        { timeout: 30_000, polling: 50 },
      );
      const [r, t] = (await at.jsonValue()) as [number, number];
      restored.push(r);
      terminal.push(t);
      jsKb.push(
        await page.evaluate(() => {
          const bytes = (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
            .filter((e) => e.initiatorType === "script" && !/worker/i.test(e.name))
            .reduce((sum, e) => sum + e.encodedBodySize, 0);
          return bytes / 1024;
        }),
      );
      // Quiet before the next reload: nothing left to save.
      await page.getByTestId("autosave-status").getByText("Saved").waitFor();
    }

    // A keystroke in the editor → the autosave carrying it stored.
    const keystroke: number[] = [];
    await editor.getByText("value110 =").click();
    for (let i = 0; i < TRIES; i++) {
      await page.getByTestId("autosave-status").getByText("Saved").waitFor();
      await page.waitForTimeout(100);
      await page.evaluate(() => {
        const w = window as unknown as { __keyAt?: number; __saved: number[] };
        w.__saved.length = 0;
        window.addEventListener("keydown", (e) => (w.__keyAt = e.timeStamp), {
          once: true,
          capture: true,
        });
      });
      await page.keyboard.type("x");
      const ms = await page.waitForFunction(
        () => {
          const w = window as unknown as { __keyAt?: number; __saved: number[] };
          const done = w.__saved.find((t) => t >= (w.__keyAt ?? Infinity));
          return done === undefined ? null : done - w.__keyAt!;
        },
        undefined,
        { timeout: 10_000, polling: 5 },
      );
      keystroke.push((await ms.jsonValue()) as number);
    }

    // A keypress in the terminal → its echo on screen.
    const echo: number[] = [];
    await term.click();
    for (let i = 0; i < TRIES; i++) {
      const letter = String.fromCharCode(97 + (i % 26));
      await page.evaluate((letter) => {
        const w = window as unknown as { __echo?: number; __keyAt?: number };
        w.__echo = undefined;
        const rows = document.querySelector('[data-testid="terminal"] .xterm-rows')!;
        const before = (rows.textContent ?? "").replace(/\s+$/, "");
        const observer = new MutationObserver(() => {
          const now = (rows.textContent ?? "").replace(/\s+$/, "");
          if (now !== before && now.endsWith(letter)) {
            w.__echo = performance.now();
            observer.disconnect();
          }
        });
        observer.observe(rows, { childList: true, subtree: true, characterData: true });
        window.addEventListener("keydown", (e) => (w.__keyAt = e.timeStamp), {
          once: true,
          capture: true,
        });
      }, letter);
      await page.keyboard.type(letter);
      const ms = await page.waitForFunction(
        () => {
          const w = window as unknown as { __echo?: number; __keyAt?: number };
          return w.__echo === undefined ? null : w.__echo - w.__keyAt!;
        },
        undefined,
        { timeout: 10_000, polling: 5 },
      );
      echo.push((await ms.jsonValue()) as number);
    }
    await page.keyboard.press("Control+U");

    const figures = {
      reloadToRestoredMs: median(restored),
      reloadToTerminalMs: median(terminal),
      keystrokeToSavedMs: median(keystroke),
      terminalEchoMs: median(echo),
      ideRouteJsKb: median(jsKb),
      emptyPageLoadMs: median(empty),
    };
    const result = {
      measuredAt: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      tries: TRIES,
      ...figures,
      reloadToRestoredVsEmptyPage:
        Math.round((figures.reloadToRestoredMs / figures.emptyPageLoadMs) * 10) / 10,
      targets: TARGETS,
      met: {
        reloadToRestoredMs: figures.reloadToRestoredMs <= TARGETS.reloadToRestoredMs,
        reloadToTerminalMs: figures.reloadToTerminalMs <= TARGETS.reloadToTerminalMs,
        keystrokeToSavedMs: figures.keystrokeToSavedMs <= TARGETS.keystrokeToSavedMs,
        terminalEchoMs: figures.terminalEchoMs <= TARGETS.terminalEchoMs,
      },
      samples: { restored, terminal, keystroke, echo, empty, jsKb },
    };
    fs.mkdirSync(path.join(here, "results"), { recursive: true });
    fs.writeFileSync(
      path.join(here, "results", "web.json"),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    process.stdout.write(`${JSON.stringify({ ...result, samples: undefined }, null, 2)}\n`);
  } finally {
    await browser.close();
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
