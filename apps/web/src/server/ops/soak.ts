/**
 * `pnpm test:soak`: simulated sessions autosaving at 1 Hz against one production server,
 * with a sign-in every second and a `workspace.get` every five seconds per session, and an
 * online backup taken halfway (`pnpm backup`, from its own process). Afterwards every
 * session must read back its last acknowledged save, the backup restored into a fresh
 * data directory and the live store must both pass checkConsistency and integrity_check.
 * Measures latencies, server RSS and event-loop delay (through a preloaded probe, see
 * lag-probe.mjs) after a warm-up.
 *
 *   pnpm test:soak [-- --sessions 1000 --seconds 120 --faults seed:rate --out file.json]
 *
 * By default it writes bench/results/soak.json.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { globalKeys, openSqliteSnapshot, restoreSqlite, seededRandom, unpackKey } from "@hearth/db";
import { ApiClient, ApiError, PASSWORD, type SimUser, seedUsers } from "./client";
import { buildProductionServer, startProductionServer } from "./production-server";
import { checkStore, sqliteFile } from "./store-checks";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../../../..");

export interface SoakOptions {
  sessions?: number;
  durationMs?: number;
  /**
   * Not measured: latencies and the RSS baseline start after it (default a third of the
   * run: under load the caches and the heap take that long to reach their size).
   */
  warmupMs?: number;
  /** HEARTH_FAULTS for the server, e.g. "42:0.1" (10% not_committed, 2% unknown). */
  faults?: string;
  /** More Node options for the server (V8 heap sizes to compare, say). */
  nodeOptions?: string;
  /** Take an online backup halfway and check its restore (default true). */
  backup?: boolean;
  seed?: number;
  log?: (line: string) => void;
}

export interface Latency {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SoakResult {
  sessions: number;
  durationS: number;
  warmupS: number;
  faults: string | null;
  nodeOptions: string | null;
  /** Failed calls of any kind (network, server error, refusal): must be 0. */
  errors: number;
  errorSamples: string[];
  /** Requests sent again after their connection closed before any answer (not errors). */
  retried: number;
  autosave: Latency & { perSec: number };
  get: Latency;
  login: Latency;
  /** Sessions whose last acknowledged save did not read back at the end: must be 0. */
  missing: number;
  /** Users and workspace sessions in the store at the end (each must equal `sessions`). */
  stored: { users: number; workspaces: number };
  rss: {
    startMiB: number;
    afterWarmupMiB: number;
    endMiB: number;
    maxMiB: number;
    /** endMiB / afterWarmupMiB: memory that does not grow without bound stays near 1. */
    endVsWarmup: number;
    /** The V8 heap in use after a full GC, after warm-up and at the end: what is kept. */
    heapAfterGcMiB: { afterWarmup: number; end: number };
    /**
     * Every 10 s, MiB: RSS, the V8 heap reserved, in use, and memory it tracks outside the
     * heap (Buffers); the rest of RSS is native (SQLite's page cache and map, argon2).
     */
    seriesMiB: Array<[number, number, number, number]>;
  };
  eventLoopLag: { p50Ms: number; p99Ms: number; maxMs: number };
  backup: null | {
    line: string;
    ms: number;
    restoredConsistency: string[];
    restoredIntegrity: string;
  };
  end: { consistency: string[]; integrity: string; exitCode: number | null };
  machine: { cpus: number; loadAvgAtStart: number[]; loadAvgAtEnd: number[] };
}

interface Probe {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  /** Taken right after a full garbage collection (on SIGUSR2). */
  collected: boolean;
}

/** Every probe line so far, one a second. */
function probes(stderr: string): Probe[] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith("hearth-probe "))
    .map((l) => JSON.parse(l.slice("hearth-probe ".length)) as Probe);
}

function lastProbe(stderr: string): Probe | undefined {
  return probes(stderr).at(-1);
}

/** Asks the probe for a reading after a full GC, and waits for it. */
async function collectedProbe(server: { pid: number; stderr(): string }): Promise<Probe> {
  const before = probes(server.stderr()).filter((p) => p.collected).length;
  process.kill(server.pid, "SIGUSR2");
  for (let waited = 0; waited < 30_000; waited += 100) {
    await sleep(100);
    const collected = probes(server.stderr()).filter((p) => p.collected);
    if (collected.length > before) return collected.at(-1)!;
  }
  throw new Error("the server's probe did not answer SIGUSR2");
}

function isClosedKeptAliveConnection(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } }).cause?.code;
  return !(err instanceof ApiError) && (code === "UND_ERR_SOCKET" || code === "ECONNRESET");
}

function latency(samples: number[]): Latency {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    count: sorted.length,
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
    maxMs: round(sorted.length ? sorted[sorted.length - 1]! : 0),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** The editor part as the IDE saves it after a cursor move, the line telling saves apart. */
function editorAt(line: number) {
  return {
    layout: "split-horizontal",
    activeTabIndex: 0,
    openTabs: [
      {
        path: "src/server/main.ts",
        language: "typescript",
        viewState: {
          cursorState: [{ inSelectionMode: false, position: { lineNumber: line, column: 17 } }],
          viewState: { scrollTop: line * 18, scrollLeft: 0 },
        },
      },
      { path: "README.md", viewState: { cursorState: [], viewState: { scrollTop: 0 } } },
    ],
  };
}

/** `pnpm backup` as an operator runs it, in a process of its own. */
function backupFromCli(file: string, dataDir: string): Promise<{ line: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(here, "cli.ts"), "backup", file, "--data-dir", dataDir],
      { cwd: path.resolve(here, "../../.."), stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ line: out.trim(), code: code ?? 1 }));
  });
}

export async function runSoak(opts: SoakOptions = {}): Promise<SoakResult> {
  const sessions = opts.sessions ?? 1000;
  const durationMs = opts.durationMs ?? 120_000;
  const warmupMs = opts.warmupMs ?? Math.round(durationMs / 3);
  const log = opts.log ?? (() => {});
  const random = seededRandom(opts.seed ?? 1);
  const loadAvgAtStart = os.loadavg();

  const bundle = await buildProductionServer("soak");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-soak-"));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-soak-work-"));
  const server = await startProductionServer(bundle, {
    dataDir,
    env: {
      // Each simulated person sends an address of its own (see simulatedIp).
      HEARTH_TRUST_PROXY: "1",
      NODE_OPTIONS: `--import ${pathToFileURL(path.join(here, "lag-probe.mjs")).href} ${opts.nodeOptions ?? ""}`,
      ...(opts.faults ? { HEARTH_FAULTS: opts.faults } : {}),
    },
  });
  if (opts.faults && !server.stderr().includes("HEARTH_FAULTS is set")) {
    await server.kill9();
    throw new Error("the server did not warn that HEARTH_FAULTS is set");
  }
  log(
    `soak: ${sessions} sessions for ${durationMs / 1000} s` +
      `${opts.faults ? ` with HEARTH_FAULTS=${opts.faults}` : ""}, data in ${dataDir}`,
  );

  const errors: string[] = [];
  let retried = 0;
  const samples = { autosave: [] as number[], get: [] as number[], login: [] as number[] };
  let measuring = false;
  const timed = async <T>(kind: keyof typeof samples, call: () => Promise<T>) => {
    const t0 = performance.now();
    try {
      let value: T | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          value = await call();
          break;
        } catch (err) {
          // A connection closed or reset before any answer: a kept-alive one the server
          // closed as it was reused (its idle timeout and the client's crossing when the
          // client is starved of CPU), or a new one the kernel dropped. Browsers send the
          // request again (fetch picks another pooled connection, which may be as stale);
          // so does this client, up to three times, and counts each.
          if (!isClosedKeptAliveConnection(err) || attempt === 3) throw err;
          retried++;
        }
      }
      if (measuring) samples[kind].push(performance.now() - t0);
      return value;
    } catch (err) {
      errors.push(
        err instanceof ApiError
          ? `${kind}: ${err.message}`
          : `${kind}: ${(err as { cause?: { code?: string } }).cause?.code ?? err}`,
      );
      return undefined;
    }
  };

  let probeTimer: NodeJS.Timeout | undefined;
  try {
    const api = new ApiClient(server.url);
    const seedStart = performance.now();
    const users: SimUser[] = await seedUsers(api, {
      count: sessions,
      groupSize: 1,
      prefix: "soak",
      concurrency: 16,
    });
    log(
      `seeded ${sessions} users and workspaces in ${Math.round(performance.now() - seedStart)} ms`,
    );
    await sleep(1500);
    const startRss = lastProbe(server.stderr())?.rssBytes ?? 0;
    let maxRss = startRss;
    probeTimer = setInterval(() => {
      maxRss = Math.max(maxRss, lastProbe(server.stderr())?.rssBytes ?? 0);
    }, 1000);

    const acked = users.map((u) => ({ rev: u.rev, line: 0 }));
    const t0 = performance.now();
    const until = t0 + durationMs;

    const session = async (i: number) => {
      const u = users[i]!;
      await sleep(random() * 1000);
      let next = performance.now();
      for (let tick = 0; performance.now() < until; tick++) {
        const line = tick + 1;
        const input: Record<string, unknown> = {
          id: u.workspaceId,
          baseRev: acked[i]!.rev,
          editor: editorAt(line),
        };
        if (tick % 10 === 9) {
          input.buffers = { "scratch.ts": `// save ${line}\n${"x".repeat((tick * 37) % 2000)}` };
        }
        const saved = await timed("autosave", () =>
          api.mutate<{ rev: number }>("workspace.autosave", input, u.token, u.ip),
        );
        if (saved) acked[i] = { rev: saved.rev, line };
        if ((tick + i) % 5 === 0) {
          await timed("get", () =>
            api.query("workspace.get", { id: u.workspaceId }, u.token, u.ip),
          );
        }
        next += 1000;
        await sleep(next - performance.now());
      }
    };
    // A sign-in every second, on time whether or not the one before has been answered.
    const logins = async () => {
      const pending: Promise<unknown>[] = [];
      for (let k = 0; performance.now() < until; k++) {
        const u = users[(k * 7919) % users.length]!;
        pending.push(
          timed("login", () =>
            api.mutate("auth.login", { email: u.email, password: PASSWORD }, undefined, u.ip),
          ),
        );
        await sleep(t0 + (k + 1) * 1000 - performance.now());
      }
      await Promise.all(pending);
    };

    // Memory is read after a full GC, once when warm-up ends and once just before the
    // load stops, both under load; the event-loop delay between the two.
    const warmup = (async () => {
      await sleep(warmupMs);
      measuring = true;
      return collectedProbe(server);
    })();
    const endReading = (async () => {
      await sleep(durationMs - 2000);
      return collectedProbe(server);
    })();
    const backupFile = path.join(workDir, "mid-soak.sqlite");
    const backupRun = (async () => {
      if (opts.backup === false) return undefined;
      await sleep(durationMs / 2);
      const started = performance.now();
      const res = await backupFromCli(backupFile, dataDir);
      const ms = performance.now() - started;
      log(`backup halfway: ${res.line}`);
      if (res.code !== 0) errors.push(`backup: ${res.line}`);
      return { line: res.line, ms };
    })();

    const afterWarmup = await warmup;
    const afterWarmupRss = afterWarmup.rssBytes;
    await Promise.all([...users.map((_, i) => session(i)), logins()]);
    const loadMs = performance.now() - t0;
    const endProbe = await endReading;
    const series = probes(server.stderr())
      .filter((_, n) => n % 10 === 0)
      .map((p): [number, number, number, number] => [
        mib(p.rssBytes),
        mib(p.heapTotalBytes),
        mib(p.heapUsedBytes),
        mib(p.externalBytes),
      ]);
    const backup = await backupRun;

    // Every session's last acknowledged save, read back.
    let missing = 0;
    for (let i = 0; i < users.length; i++) {
      const u = users[i]!;
      const ws = await timed("get", () =>
        api.query<{ rev: number; editor: ReturnType<typeof editorAt> }>(
          "workspace.get",
          { id: u.workspaceId },
          u.token,
          u.ip,
        ),
      );
      const line = ws?.editor.openTabs[0]?.viewState.cursorState[0]?.position.lineNumber;
      if (!ws || ws.rev !== acked[i]!.rev || (acked[i]!.line > 0 && line !== acked[i]!.line)) {
        missing++;
      }
    }

    const exitCode = await server.stop();
    const end = await checkStore(dataDir);
    const stored = countRecords(dataDir);
    let restored: { consistency: string[]; integrity: string } | undefined;
    if (backup) {
      const restoreDir = path.join(workDir, "restored");
      restoreSqlite(backupFile, restoreDir);
      restored = await checkStore(restoreDir);
    }

    const autosave = latency(samples.autosave);
    const result: SoakResult = {
      sessions,
      durationS: Math.round(loadMs / 100) / 10,
      warmupS: warmupMs / 1000,
      faults: opts.faults ?? null,
      nodeOptions: opts.nodeOptions ?? null,
      errors: errors.length,
      errorSamples: errors.slice(0, 10),
      retried,
      autosave: {
        ...autosave,
        perSec: Math.round(autosave.count / ((loadMs - warmupMs) / 1000)),
      },
      get: latency(samples.get),
      login: latency(samples.login),
      missing,
      stored,
      rss: {
        startMiB: mib(startRss),
        afterWarmupMiB: mib(afterWarmupRss),
        endMiB: mib(endProbe?.rssBytes ?? 0),
        maxMiB: mib(maxRss),
        endVsWarmup:
          Math.round(((endProbe?.rssBytes ?? 0) / Math.max(1, afterWarmupRss)) * 100) / 100,
        heapAfterGcMiB: {
          afterWarmup: mib(afterWarmup.heapUsedBytes),
          end: mib(endProbe.heapUsedBytes),
        },
        seriesMiB: series,
      },
      eventLoopLag: {
        p50Ms: endProbe?.p50Ms ?? 0,
        p99Ms: endProbe?.p99Ms ?? 0,
        maxMs: endProbe?.maxMs ?? 0,
      },
      backup: backup
        ? {
            line: backup.line,
            ms: Math.round(backup.ms),
            restoredConsistency: restored!.consistency,
            restoredIntegrity: restored!.integrity,
          }
        : null,
      end: { consistency: end.consistency, integrity: end.integrity, exitCode },
      machine: { cpus: os.cpus().length, loadAvgAtStart, loadAvgAtEnd: os.loadavg() },
    };
    log(
      `soak: ${result.errors} errors (${retried} retried), ${result.missing} missing; autosave p50 ` +
        `${result.autosave.p50Ms} ms p99 ${result.autosave.p99Ms} ms (${result.autosave.perSec}/s); ` +
        `get p50 ${result.get.p50Ms} p99 ${result.get.p99Ms} ms; login p50 ${result.login.p50Ms} ms; ` +
        `RSS ${result.rss.startMiB} → ${result.rss.afterWarmupMiB} → ${result.rss.endMiB} MiB ` +
        `(×${result.rss.endVsWarmup}); event-loop delay p99 ${result.eventLoopLag.p99Ms} ms; ` +
        `consistency ${end.consistency.length === 0 ? "clean" : end.consistency.length}`,
    );
    return result;
  } finally {
    if (probeTimer) clearInterval(probeTimer);
    await server.kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** Users and workspace sessions in a stopped server's store, counted by their records. */
function countRecords(dataDir: string): { users: number; workspaces: number } {
  const reader = openSqliteSnapshot(sqliteFile(dataDir));
  try {
    let users = 0;
    let workspaces = 0;
    for (const { key } of reader.range(globalKeys.root.range())) {
      if (unpackKey(key)[1] === "users_by_id") users++;
    }
    const all = { begin: Buffer.alloc(0), end: Buffer.from([0xff]) };
    for (const { key } of reader.range(all)) {
      const t = unpackKey(key);
      if (t[1] === "ws" && t[3] === "meta") workspaces++;
    }
    return { users, workspaces };
  } finally {
    reader.close();
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const sessions = Number(flag(args, "sessions") ?? 1000);
  const seconds = Number(flag(args, "seconds") ?? 120);
  const faults = flag(args, "faults");
  const nodeOptions = flag(args, "node-options");
  const out = flag(args, "out") ?? path.join(repoRoot, "bench/results/soak.json");
  const result = await runSoak({
    sessions,
    durationMs: seconds * 1000,
    ...(faults ? { faults } : {}),
    ...(nodeOptions ? { nodeOptions } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...result }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${out}\n`);
  const ok =
    result.errors === 0 &&
    result.missing === 0 &&
    result.end.consistency.length === 0 &&
    result.end.integrity === "ok" &&
    result.rss.endVsWarmup <= 1.2 &&
    (result.backup === null || result.backup.restoredConsistency.length === 0);
  process.exit(ok ? 0 : 1);
}
