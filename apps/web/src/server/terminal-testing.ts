/**
 * Test support for terminals over the real WebSocket: a tRPC client on `wsLink` (with
 * `ws`'s WebSocket, as Node 20 has none), a reader of one attached terminal, and a Hearth
 * server in a child process that can be stopped gracefully or with `kill -9`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AppRouter } from "@hearth/api";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import WebSocket from "ws";

export type TerminalEvent =
  | {
      type: "ready";
      terminalId: string;
      name: string;
      readOnly: boolean;
      cols: number;
      rows: number;
    }
  | { type: "data"; data: string }
  | { type: "exit"; code: number };

/** A typed client whose every call goes over one WebSocket, signed in with `token`. */
export function wsClientFor(wsUrl: string, token: string) {
  const ws = createWSClient({
    url: wsUrl,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: () => ({ authorization: `Bearer ${token}` }),
    retryDelayMs: () => 200,
  });
  const api = createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] });
  return { api, ws, close: () => ws.close() };
}

/** What one attached terminal showed, and ways to wait for more. */
export class AttachedTerminal {
  text = "";
  terminalId = "";
  readOnly = false;
  /** The terminal's size as the server sent it with `ready`. */
  size = { cols: 0, rows: 0 };
  exitCode: number | undefined;
  error: unknown;
  private readonly unsubscribe: () => void;
  private readonly ready: Promise<void>;

  constructor(
    api: ReturnType<typeof wsClientFor>["api"],
    input: { workspaceId: string; terminalId?: string; cols?: number; rows?: number },
  ) {
    let onReady!: () => void;
    let onFail!: (err: unknown) => void;
    this.ready = new Promise((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    const sub = api.terminal.attach.subscribe(
      { cols: 100, rows: 30, ...input },
      {
        onData: (event: TerminalEvent) => {
          if (event.type === "ready") {
            this.terminalId = event.terminalId;
            this.readOnly = event.readOnly;
            this.size = { cols: event.cols, rows: event.rows };
            onReady();
          } else if (event.type === "data") this.text += event.data;
          else this.exitCode = event.code;
        },
        onError: (err) => {
          this.error = err;
          onFail(err);
        },
      },
    );
    this.unsubscribe = () => sub.unsubscribe();
  }

  /** Resolves once the server sent `ready` (rejects with the attach's error). */
  opened(): Promise<this> {
    return this.ready.then(() => this);
  }

  async waitFor(pattern: RegExp | string, opts?: { from?: number; timeoutMs?: number }) {
    const from = opts?.from ?? 0;
    const deadline = Date.now() + (opts?.timeoutMs ?? 10_000);
    for (;;) {
      const rest = this.text.slice(from);
      if (typeof pattern === "string" ? rest.includes(pattern) : pattern.test(rest)) return;
      if (Date.now() > deadline) {
        throw new Error(`no ${String(pattern)} in: ${JSON.stringify(this.text.slice(-500))}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.unsubscribe();
  }
}

let marks = 0;

/** Types a command line and waits for it to finish; resolves with its output. */
export async function runIn(
  term: AttachedTerminal,
  type: (data: string) => Promise<unknown>,
  command: string,
  timeoutMs = 10_000,
): Promise<string> {
  const mark = `K${++marks}z${Date.now().toString(36)}`;
  const from = term.text.length;
  await type(`${command}; echo "<${mark}""-$?>"\r`);
  await term.waitFor(new RegExp(`<${mark}-\\d+>`), { from, timeoutMs });
  return term.text.slice(from);
}

const mainTs = path.join(path.dirname(fileURLToPath(import.meta.url)), "main.ts");

/** Hearth's server (`main.ts`, as `pnpm dev` runs it) in a child process. */
export interface ServerProcess {
  url: string;
  wsUrl: string;
  pid: number;
  child: ChildProcess;
  /** Resident memory of the server process, in bytes. */
  rss(): number;
  /** SIGTERM, and waits for the process to end (a graceful shutdown). */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown at all. */
  kill9(): Promise<void>;
}

export async function startServerProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", mainTs], {
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      HEARTH_DATA_DIR: dataDir,
      HEARTH_LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /hearth listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}): ${out}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    wsUrl: `${url.replace(/^http/, "ws")}/api/trpc-ws`,
    pid: child.pid!,
    child,
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
    async kill9() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
