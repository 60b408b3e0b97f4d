/**
 * bench:runtime, terminals part, each figure with its baseline from the same run:
 *
 * - terminalRoundTripMs: a key sent as terminal.input over the WebSocket (tRPC's wsLink)
 *   until its echo arrives as terminal.attach data, against a Hearth server in a child
 *   process with a real SQLite file and the shell in its sandbox — beside the same round
 *   trip on a bare node-pty bash in this process (no server): echoOverheadMs is the gap.
 * - floodRssGrowthMb: the server's resident memory while `yes` runs for 10 s in an attached
 *   terminal (flow control holds the shell while the viewer or the mirror falls behind),
 *   and autosaveDuringFloodP99Ms: workspace.autosave over HTTP from another client meanwhile.
 *
 * node-pty, ws and @trpc/client are resolved from apps/web's dependencies, as the server
 * resolves them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { round } from "./lib/measure";

const web = createRequire(path.join(import.meta.dirname, "..", "apps", "web", "package.json"));

interface Pty {
  write(data: string): void;
  onData(listener: (data: string) => void): void;
  kill(signal?: string): void;
}
const pty = web("node-pty") as {
  spawn(file: string, args: string[], opts: Record<string, unknown>): Pty;
};
const WebSocketImpl = web("ws") as unknown;
const trpc = web("@trpc/client") as {
  createWSClient(opts: Record<string, unknown>): { close(): void };
  createTRPCClient<T>(opts: Record<string, unknown>): T;
  wsLink(opts: Record<string, unknown>): unknown;
};

const SAMPLES = Number(process.env.BENCH_TERMINAL_SAMPLES ?? 300);
const FLOOD_MS = Number(process.env.BENCH_FLOOD_MS ?? 10_000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/**
 * Times `SAMPLES` keys: each a letter typed at the prompt until output holding it comes
 * back; the line is cleared (Ctrl+U) every 40 keys, untimed.
 */
async function echoTimes(
  send: (data: string) => unknown,
  output: { text: string },
): Promise<number[]> {
  const times: number[] = [];
  const waitFor = async (pred: () => boolean) => {
    const deadline = performance.now() + 5000;
    while (!pred()) {
      if (performance.now() > deadline) throw new Error("no echo within 5 s");
      await new Promise((r) => setImmediate(r));
    }
  };
  for (let i = 0; i < SAMPLES + 20; i++) {
    if (i % 40 === 0) {
      await send("\x15");
      await new Promise((r) => setTimeout(r, 30));
    }
    const key = String.fromCharCode(97 + (i % 26));
    output.text = "";
    const t = performance.now();
    await send(key);
    await waitFor(() => output.text.includes(key));
    if (i >= 20) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times;
}

async function bareRoundTrip(): Promise<number[]> {
  const shell = pty.spawn("/bin/bash", ["--norc", "-i"], {
    name: "xterm-256color",
    cols: 100,
    rows: 30,
    cwd: os.tmpdir(),
    env: { PATH: "/usr/bin:/bin", TERM: "xterm-256color", PS1: "$ " },
  });
  const output = { text: "" };
  shell.onData((d) => {
    output.text += d;
  });
  await new Promise((r) => setTimeout(r, 500));
  try {
    return await echoTimes((d) => shell.write(d), output);
  } finally {
    shell.kill();
  }
}

interface Server {
  url: string;
  child: ChildProcess;
  rss(): number;
  stop(): Promise<void>;
}

async function startServer(dataDir: string): Promise<Server> {
  const main = path.join(import.meta.dirname, "..", "apps", "web", "src", "server", "main.ts");
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    cwd: path.join(import.meta.dirname, ".."),
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      HEARTH_DATA_DIR: dataDir,
      HEARTH_TERMINAL_SANDBOX: existsSync("/usr/bin/bwrap") ? "bubblewrap" : "none",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /hearth listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  child.stdout!.resume();
  return {
    url,
    child,
    rss: () =>
      Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]) *
      1024,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function rpc(base: string, token: string | null, proc: string, input: unknown) {
  const res = await fetch(`${base}/api/trpc/${proc}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: base,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: unknown }; error?: { message: string } };
  if (!body.result) throw new Error(`${proc}: ${body.error?.message ?? res.status}`);
  return body.result.data as Record<string, unknown>;
}

type Event = { type: "ready"; terminalId: string } | { type: "data"; data: string };
interface TerminalApi {
  terminal: {
    attach: {
      subscribe(
        input: unknown,
        opts: { onData(e: Event): void; onError(e: unknown): void },
      ): { unsubscribe(): void };
    };
    input: { mutate(input: { terminalId: string; data: string }): Promise<unknown> };
  };
}

export interface TerminalFigures {
  terminalRoundTripMs: { p50: number; p99: number };
  barePtyRoundTripMs: { p50: number; p99: number };
  echoOverheadMs: number;
  floodRssGrowthMb: number;
  serverRssBeforeFloodMb: number;
  autosaveQuietP50Ms: number;
  autosaveQuietP99Ms: number;
  autosaveDuringFloodP50Ms: number;
  autosaveDuringFloodP99Ms: number;
  autosavesDuringFlood: number;
  ctrlCStopMs: number;
  /** The machine's 1-minute load average when the terminal figures were taken. */
  loadAverage: number;
}

export async function benchTerminals(): Promise<TerminalFigures> {
  const bare = await bareRoundTrip();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hearth-bench-terminals-"));
  const server = await startServer(dataDir);
  try {
    const signUp = async (email: string) =>
      (await rpc(server.url, null, "auth.register", {
        email,
        password: "a long bench password",
        firstName: "Bench",
        lastName: "Terminal",
      })) as { accessToken: string };
    const { accessToken: token } = await signUp("terminal-bench@hearth.test");
    const ws = (await rpc(server.url, token, "workspace.create", { name: "t", path: "t" })) as {
      id: string;
    };
    const wsClient = trpc.createWSClient({
      url: `${server.url.replace(/^http/, "ws")}/api/trpc-ws`,
      WebSocket: WebSocketImpl,
      connectionParams: () => ({ authorization: `Bearer ${token}` }),
    });
    const api = trpc.createTRPCClient<TerminalApi>({ links: [trpc.wsLink({ client: wsClient })] });
    const output = { text: "" };
    let terminalId = "";
    const sub = api.terminal.attach.subscribe(
      { workspaceId: ws.id, cols: 100, rows: 30 },
      {
        onData: (e) => {
          if (e.type === "ready") terminalId = e.terminalId;
          else if (e.type === "data") {
            output.text += e.data;
            // Only the newest output matters to the bench: never hold megabytes of `yes`.
            if (output.text.length > 100_000) output.text = output.text.slice(-1000);
          }
        },
        onError: (e) => console.error(e),
      },
    );
    while (!terminalId || !/[$#] /.test(output.text)) await new Promise((r) => setTimeout(r, 20));
    const send = (data: string) => api.terminal.input.mutate({ terminalId, data });
    const viaServer = await echoTimes(send, output);

    // Flood: `yes` for FLOOD_MS while another client autosaves every 50 ms.
    await send("\x15");
    const other = await signUp("autosave-bench@hearth.test");
    const otherWs = (await rpc(server.url, other.accessToken, "workspace.create", {
      name: "a",
      path: "a",
    })) as { id: string };
    let rev = 0;
    const autosave = async () => {
      const t = performance.now();
      const r = await rpc(server.url, other.accessToken, "workspace.autosave", {
        id: otherWs.id,
        baseRev: rev,
        editor: { layout: "single", activeTabIndex: -1, openTabs: [] },
      });
      rev = r.rev as number;
      return performance.now() - t;
    };
    // The same autosaves with the terminal quiet: the baseline of the flood's figures.
    const quiet: number[] = [];
    for (let i = 0; i < 100; i++) {
      quiet.push(await autosave());
      await new Promise((r) => setTimeout(r, 50));
    }
    quiet.sort((a, b) => a - b);
    const before = server.rss();
    let peak = before;
    const saves: number[] = [];
    await send("yes\r");
    const end = performance.now() + FLOOD_MS;
    while (performance.now() < end) {
      saves.push(await autosave());
      peak = Math.max(peak, server.rss());
      await new Promise((r) => setTimeout(r, 50));
    }
    const t = performance.now();
    await send("\x03");
    output.text = "";
    await send("echo stop-$((1+1))\r");
    while (!output.text.includes("stop-2")) await new Promise((r) => setTimeout(r, 10));
    const ctrlCStopMs = performance.now() - t;
    sub.unsubscribe();
    wsClient.close();
    saves.sort((a, b) => a - b);
    const p50 = (s: number[]) => percentile(s, 50);
    const p99 = (s: number[]) => percentile(s, 99);
    return {
      terminalRoundTripMs: { p50: round(p50(viaServer)), p99: round(p99(viaServer)) },
      barePtyRoundTripMs: { p50: round(p50(bare)), p99: round(p99(bare)) },
      echoOverheadMs: round(p50(viaServer) - p50(bare)),
      floodRssGrowthMb: round((peak - before) / 2 ** 20, 1),
      serverRssBeforeFloodMb: round(before / 2 ** 20, 1),
      autosaveQuietP50Ms: round(p50(quiet)),
      autosaveQuietP99Ms: round(p99(quiet)),
      autosaveDuringFloodP50Ms: round(p50(saves)),
      autosaveDuringFloodP99Ms: round(p99(saves)),
      autosavesDuringFlood: saves.length,
      ctrlCStopMs: round(ctrlCStopMs),
      loadAverage: round(os.loadavg()[0]!, 2),
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
