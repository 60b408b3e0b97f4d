/**
 * One server for bench/api.ts, run in its own process so the load generator does not
 * share its event loop. Modes:
 *   bare           node:http reading a POST body and answering 200 B of JSON
 *   noop-official  a no-op tRPC mutation through tRPC's own node adapter
 *   noop-lean      the same mutation through Hearth's lean adapter
 *   hearth <dir>   the real Hearth server on a data directory
 * Reports `{type: "ready", url}` over IPC; answers `{type: "lag-start" | "lag-stop"}` with
 * the event-loop delay measured in between, `cpu-start` / `cpu-stop` with the CPU time this
 * process used in between, and exits on `{type: "stop"}`.
 */
import fs from "node:fs";
import http from "node:http";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createHearthServer, createTRPCNodeHandler, hearthApi } from "@hearth/web";
import { initTRPC } from "@trpc/server";

export type ChildMessage =
  | { type: "ready"; url: string }
  | { type: "lag"; p50Ms: number; p99Ms: number; maxMs: number }
  | { type: "cpu"; micros: number };
export type ParentMessage =
  | { type: "lag-start" }
  | { type: "lag-stop" }
  | { type: "cpu-start" }
  | { type: "cpu-stop" }
  | { type: "stop" };

/** 200 bytes of JSON, the size of an autosave's answer. */
export const BARE_ANSWER = (() => {
  const base = { result: { data: { rev: 123456, savedAt: "2026-11-29T06:00:00.000Z" } } };
  const empty = JSON.stringify({ ...base, pad: "" });
  return JSON.stringify({ ...base, pad: "x".repeat(200 - Buffer.byteLength(empty)) });
})();

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

async function start(mode: string, dataDir: string | undefined) {
  if (mode === "bare") {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.setHeader("content-length", Buffer.byteLength(BARE_ANSWER));
        res.end(BARE_ANSWER);
      });
    });
    return { url: await listen(server), stop: () => server.close() };
  }
  if (mode === "noop-official" || mode === "noop-lean") {
    const t = initTRPC.create();
    const router = t.router({ noop: t.procedure.mutation(() => ({ ok: true })) });
    const handler = createTRPCNodeHandler({
      router,
      lean: mode === "noop-lean",
      maxBodySize: 8 * 1024 * 1024,
      createContext: () => ({}),
    });
    const server = http.createServer((req, res) => {
      const pathname = (req.url ?? "/").split("?", 1)[0]!;
      void handler(req, res, pathname.slice("/api/trpc/".length));
    });
    return { url: await listen(server), stop: () => server.close() };
  }
  if (mode === "hearth") {
    if (!dataDir) throw new Error("hearth mode needs a data directory");
    // Logs go to stdout as in production; the parent points it at /dev/null.
    const server = await createHearthServer({
      port: 0,
      host: "127.0.0.1",
      dataDir,
      api: hearthApi,
    });
    return { url: server.url, stop: () => server.close() };
  }
  throw new Error(`unknown mode ${mode}`);
}

const [mode = "", dataDir] = process.argv.slice(2);
const server = await start(mode, dataDir);
const lag = monitorEventLoopDelay({ resolution: 1 });
const send = (m: ChildMessage) => process.send?.(m);
let cpuAtStart = process.cpuUsage();

// BENCH_API_PROFILE=<dir>: a CPU profile of each measured run (not of seeding or warm-up).
const profileDir = process.env.BENCH_API_PROFILE;
const inspector = profileDir ? new Session() : undefined;
let profiles = 0;
if (inspector) {
  inspector.connect();
  await inspector.post("Profiler.enable");
  await inspector.post("Profiler.setSamplingInterval", { interval: 100 });
}

process.on("message", async (m: ParentMessage) => {
  if (m.type === "lag-start") {
    lag.reset();
    lag.enable();
  } else if (m.type === "lag-stop") {
    lag.disable();
    const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
    send({
      type: "lag",
      p50Ms: ms(lag.percentile(50)),
      p99Ms: ms(lag.percentile(99)),
      maxMs: ms(lag.max),
    });
  } else if (m.type === "cpu-start") {
    await inspector?.post("Profiler.start");
    cpuAtStart = process.cpuUsage();
  } else if (m.type === "cpu-stop") {
    const used = process.cpuUsage(cpuAtStart);
    if (inspector && profileDir) {
      const { profile } = await inspector.post("Profiler.stop");
      const file = `${profileDir}/${mode}-${process.pid}-${++profiles}.cpuprofile`;
      fs.writeFileSync(file, JSON.stringify(profile));
    }
    send({ type: "cpu", micros: used.user + used.system });
  } else if (m.type === "stop") {
    await server.stop();
    process.exit(0);
  }
});
send({ type: "ready", url: server.url });
