/**
 * The production server as the crash test, the soak and the HTTP edge tests run it: the
 * bundle `pnpm start` serves, in a process of its own on a data directory, killed and
 * restarted at will.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "../../../scripts/build-server.mjs";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Bundles the server as `pnpm start` does, into a file of the caller's own under
 * apps/web/dist (so that two suites building at once never write the same file).
 */
export function buildProductionServer(name: string): Promise<string> {
  return bundle({
    entry: path.join(appDir, "src/server/main.ts"),
    outfile: `dist/ops/${name}/server.mjs`,
  });
}

export interface ProductionServer {
  readonly url: string;
  readonly pid: number;
  /** From spawning the process to its `hearth listening` line. */
  readonly readyMs: number;
  /** Everything it wrote to stderr (warnings, a crash). */
  stderr(): string;
  /** SIGKILL: no shutdown, no flush, as a crash or an OOM kill. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  dataDir: string;
  /** Extra environment (HEARTH_SQLITE_SYNC, HEARTH_FAULTS...). */
  env?: Record<string, string>;
  port?: number;
  /** Every line the server writes to stdout after its ready line (its JSON logs). */
  onStdoutLine?: (line: string) => void;
}

export async function startProductionServer(
  bundlePath: string,
  opts: StartOptions,
): Promise<ProductionServer> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [bundlePath], {
    cwd: opts.dataDir,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(opts.port ?? 0),
      HEARTH_DATA_DIR: opts.dataDir,
      HEARTH_LOG_LEVEL: "warn",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  let stdout = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (c: Buffer) => {
      stdout += c.toString();
      const m = /^hearth listening on (http:\/\/\S+)$/m.exec(stdout);
      if (m) {
        child.stdout!.off("data", onData);
        const onLine = opts.onStdoutLine;
        if (onLine) {
          let rest = stdout.slice(m.index + m[0].length);
          child.stdout!.on("data", (chunk: Buffer) => {
            const lines = (rest + chunk.toString()).split("\n");
            rest = lines.pop()!;
            for (const line of lines) onLine(line);
          });
        } else {
          // Keep draining its logs so it never blocks on a full pipe.
          child.stdout!.resume();
        }
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
  });
  const readyMs = performance.now() - started;
  return {
    url,
    pid: child.pid!,
    readyMs,
    stderr: () => stderr,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
