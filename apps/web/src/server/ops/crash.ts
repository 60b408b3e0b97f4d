/**
 * `pnpm test:crash`: the production server on a fresh data directory, sessions autosaving
 * over HTTP, and `kill -9` at random moments, restarting each time with HEARTH_SQLITE_SYNC
 * `normal` and `full` in turn. After every restart each session must read back exactly
 * its last acknowledged save (content and rev), or the one save whose answer the kill
 * cut off, applied whole; checkConsistency must be clean and the SQLite file must pass
 * PRAGMA integrity_check.
 *
 *   pnpm test:crash [-- --sessions 100 --kills 10 --seed 1]
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { seededRandom } from "@hearth/db";
import { ApiClient, ApiError, inParallel, Mailbox, type SimUser, seedUsers } from "./client";
import {
  buildProductionServer,
  type ProductionServer,
  startProductionServer,
} from "./production-server";
import { checkStore } from "./store-checks";

export interface CrashTestOptions {
  /** Simulated sessions, each its own user (default 100). */
  sessions?: number;
  /** kill -9s, each followed by a restart (default 10). */
  kills?: number;
  /** Seeds the kill moments and buffer sizes (default: the time). */
  seed?: number;
  /** Largest buffer a save sends (default 1 MiB). */
  maxBufferBytes?: number;
  /** Load between two kills: a random time in this range, ms (default 500–3000). */
  loadMs?: [number, number];
  log?: (line: string) => void;
}

export interface RestartReport {
  sync: "normal" | "full";
  readyMs: number;
  /** Saves in flight at the kill that turned out applied / not applied. */
  unansweredApplied: number;
  unansweredNotApplied: number;
  consistency: string[];
  integrity: string;
}

export interface CrashTestResult {
  sessions: number;
  /** Autosaves the server answered with success. */
  acknowledged: number;
  /** Acknowledged saves confirmed by a read-back (their rev or a later one of theirs). */
  verified: number;
  /** Acknowledged saves missing after a restart: must be 0. */
  lost: number;
  restarts: RestartReport[];
  /** What went wrong, one line each (lost saves, half-applied saves, errors). */
  problems: string[];
}

const BUFFER = "notes.txt";

interface SessionState {
  user: SimUser;
  /** The last acknowledged save (or the session as created). */
  rev: number;
  hash: string;
  /** Acknowledged since the last read-back. */
  pendingAcks: number;
  /** A save sent when the server died, its answer lost. */
  unanswered?: { hash: string };
  seq: number;
}

/** A buffer of `size` bytes that no other save of any session repeats. */
function content(session: number, seq: number, size: number): string {
  const head = `session ${session} save ${seq} size ${size}\n`;
  if (size <= head.length) return head.slice(0, size);
  const line = `${seq.toString(36)}:${session}:${"abcdefghijklmnopqrstuvwxyz0123456789".slice(seq % 20)}\n`;
  return (head + line.repeat(Math.ceil((size - head.length) / line.length))).slice(0, size);
}

const hashOf = (text: string | undefined) =>
  text === undefined ? "absent" : createHash("sha256").update(text).digest("hex");

export async function runCrashTest(opts: CrashTestOptions = {}): Promise<CrashTestResult> {
  const sessions = opts.sessions ?? 100;
  const kills = opts.kills ?? 10;
  const seed = opts.seed ?? Date.now() % 2 ** 31;
  const maxBuffer = opts.maxBufferBytes ?? 1024 * 1024;
  const [loadMin, loadMax] = opts.loadMs ?? [500, 3000];
  const log = opts.log ?? (() => {});
  const random = seededRandom(seed);
  const result: CrashTestResult = {
    sessions,
    acknowledged: 0,
    verified: 0,
    lost: 0,
    restarts: [],
    problems: [],
  };

  const bundle = await buildProductionServer("crash");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-crash-"));
  const mailbox = new Mailbox();
  const start = (sync: "normal" | "full", mail = false) =>
    startProductionServer(bundle, {
      dataDir,
      // Each simulated person sends an address of its own (see simulatedIp). The first
      // run logs at info for the mail that lets members join (see seedUsers).
      env: {
        HEARTH_SQLITE_SYNC: sync,
        HEARTH_TRUST_PROXY: "1",
        ...(mail ? { HEARTH_LOG_LEVEL: "info" } : {}),
      },
      ...(mail ? { onStdoutLine: (line: string) => mailbox.feed(line) } : {}),
    });
  let server: ProductionServer = await start("normal", true);
  log(`crash test: seed ${seed}, ${sessions} sessions, ${kills} kills, data in ${dataDir}`);
  try {
    const api = new ApiClient(server.url);
    // Half the sessions share Organizations four to a tenant, the rest have one each.
    const shared = Math.floor(sessions / 2);
    const users = [
      ...(await seedUsers(api, { count: shared, groupSize: 4, prefix: "crash-team", mailbox })),
      ...(await seedUsers(api, {
        count: sessions - shared,
        groupSize: 1,
        prefix: "crash-solo",
        firstIp: shared,
      })),
    ];
    const states: SessionState[] = users.map((user) => ({
      user,
      rev: user.rev,
      hash: hashOf(undefined),
      pendingAcks: 0,
      seq: 0,
    }));

    /** Each session saves until the server dies under it. */
    const runSession = async (s: SessionState, index: number, alive: () => boolean) => {
      while (alive()) {
        const seq = ++s.seq;
        // Log-uniform from 8 B to the largest: most saves small, some crossing chunks.
        const size = Math.round(8 * (maxBuffer / 8) ** random());
        const text = content(index, seq, size);
        try {
          const saved = await api.mutate<{ rev: number }>(
            "workspace.autosave",
            { id: s.user.workspaceId, baseRev: s.rev, buffers: { [BUFFER]: text } },
            s.user.token,
            s.user.ip,
          );
          s.rev = saved.rev;
          s.hash = hashOf(text);
          s.pendingAcks++;
          result.acknowledged++;
        } catch (err) {
          if (err instanceof ApiError) {
            result.problems.push(`session ${index}: the server refused a save: ${err.message}`);
            return;
          }
          // The connection broke: the server is gone, the save's outcome unknown.
          s.unanswered = { hash: hashOf(text) };
          return;
        }
        await new Promise((r) => setTimeout(r, 20 + random() * 80));
      }
    };

    /** Reads every session back and settles what its unanswered save became. */
    const verify = async (report: RestartReport | undefined) => {
      await inParallel(states, 16, async (s, index) => {
        const ws = await api.query<{ rev: number; buffers: Record<string, string> }>(
          "workspace.get",
          { id: s.user.workspaceId },
          s.user.token,
          s.user.ip,
        );
        const hash = hashOf(ws.buffers[BUFFER]);
        if (ws.rev === s.rev && hash === s.hash) {
          if (s.unanswered && report) report.unansweredNotApplied++;
        } else if (s.unanswered && ws.rev === s.rev + 1 && hash === s.unanswered.hash) {
          if (report) report.unansweredApplied++;
          s.rev = ws.rev;
          s.hash = hash;
        } else {
          result.lost += Math.max(1, s.pendingAcks);
          s.pendingAcks = 0;
          const what = s.unanswered && ws.rev === s.rev + 1 ? "a half-applied save" : "a lost save";
          result.problems.push(
            `session ${index}: ${what}: read rev ${ws.rev} (${hash.slice(0, 8)}), ` +
              `acknowledged rev ${s.rev} (${s.hash.slice(0, 8)})`,
          );
          s.rev = ws.rev;
          s.hash = hash;
        }
        result.verified += s.pendingAcks;
        s.pendingAcks = 0;
        s.unanswered = undefined;
      });
    };

    for (let k = 1; k <= kills; k++) {
      let alive = true;
      const loads = states.map((s, i) => runSession(s, i, () => alive));
      const loadMs = loadMin + random() * (loadMax - loadMin);
      await new Promise((r) => setTimeout(r, loadMs));
      await server.kill9();
      alive = false;
      await Promise.all(loads);

      const sync = k % 2 === 1 ? "full" : "normal";
      server = await start(sync);
      api.base = server.url;
      const report: RestartReport = {
        sync,
        readyMs: Math.round(server.readyMs),
        unansweredApplied: 0,
        unansweredNotApplied: 0,
        consistency: [],
        integrity: "",
      };
      const check = await checkStore(dataDir);
      report.consistency = check.consistency;
      report.integrity = check.integrity;
      await verify(report);
      result.restarts.push(report);
      if (report.consistency.length > 0) {
        const shown = report.consistency.slice(0, 5).join(", ");
        const more =
          report.consistency.length > 5 ? ` and ${report.consistency.length - 5} more` : "";
        result.problems.push(`restart ${k}: checkConsistency: ${shown}${more}`);
      }
      if (report.integrity !== "ok") {
        result.problems.push(`restart ${k}: integrity_check: ${report.integrity}`);
      }
      log(
        `restart ${k} (sync ${sync}, after ${Math.round(loadMs)} ms of load): ready in ` +
          `${report.readyMs} ms; unanswered saves applied ${report.unansweredApplied}, not ` +
          `${report.unansweredNotApplied}; consistency ${report.consistency.length === 0 ? "clean" : "PROBLEMS"}; ` +
          `integrity ${report.integrity}`,
      );
    }
    const code = await server.stop();
    if (code !== 0) result.problems.push(`the server exited ${code} on SIGTERM`);
    log(
      `crash test: ${result.acknowledged} acknowledged, ${result.verified} verified, ` +
        `${result.lost} lost (${sessions} sessions, ${kills} kill -9s)`,
    );
    for (const p of result.problems) log(`problem: ${p}`);
    return result;
  } finally {
    await server.kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function flag(args: string[], name: string): number | undefined {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : Number(args[i + 1]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const sessions = flag(args, "sessions");
  const kills = flag(args, "kills");
  const seed = flag(args, "seed");
  const result = await runCrashTest({
    ...(sessions ? { sessions } : {}),
    ...(kills ? { kills } : {}),
    ...(seed !== undefined ? { seed } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.exit(result.lost === 0 && result.problems.length === 0 ? 0 : 1);
}
