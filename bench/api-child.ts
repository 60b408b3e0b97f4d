/**
 * One server for bench/api.ts, run in its own process so the load generator does not
 * share its event loop. Modes:
 *   bare           node:http reading a POST body and answering 200 B of JSON
 *   noop-official  a no-op tRPC mutation through tRPC's own node adapter
 *   noop-lean      the same mutation through Hearth's lean adapter
 *   floor <dir>    the least an authenticated autosave can cost here (see startFloor)
 *   floor-required <dir>  the floor with only the layers the API requires added
 *   hearth <dir>   the real Hearth server on a data directory
 * Reports `{type: "ready", url}` over IPC (the floor adds its workspaces and their tokens);
 * answers `{type: "lag-start" | "lag-stop"}` with the event-loop delay measured in between,
 * `cpu-start` / `cpu-stop` with the CPU time this process used in between, and exits on
 * `{type: "stop"}`.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { ZAutosaveInput } from "@hearth/api";
import { bearerToken, createAccessTokenSigner } from "@hearth/auth";
import { type AuthSession, newId, openSqliteStore, tenantKeys } from "@hearth/db";
import { createHearthServer, createLogger, createTRPCNodeHandler, hearthApi } from "@hearth/web";
import { initTRPC, TRPCError } from "@trpc/server";

/** A workspace an autosave load writes to, with the token its requests carry. */
export interface Workspace {
  id: string;
  rev: number;
  token: string;
}

export type ChildMessage =
  | { type: "ready"; url: string; workspaces?: Workspace[] }
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

/** A JSON answer with its length, as the bare server and the floor send one. */
function answer(res: http.ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", Buffer.byteLength(body));
  res.end(body);
}

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
      req.on("end", () => answer(res, 200, BARE_ANSWER));
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
  if (mode === "floor" || mode === "floor-required") {
    if (!dataDir) throw new Error(`${mode} mode needs a data directory`);
    return startFloor(dataDir, mode === "floor-required");
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

/**
 * What no authenticated autosave can do without, done as directly as Node allows:
 * node:http, the body parsed, Hearth's own access-token check (jose, verified-token cache),
 * one transaction on the SQLite store reading the workspace's rev and writing the editor
 * part and the new rev, a JSON answer and a request log line. Nothing else: no tRPC, no
 * input validation, no check of the sign-in session or of the caller's role and ownership,
 * no retry identity, no activity index. Hearth does all of these; the floor says how much
 * of the gap to bare HTTP is the work itself.
 *
 * `withRequiredLayers` adds what the API must do on top, and only that: the procedure is
 * served by tRPC through Hearth's lean adapter, its input validated with Hearth's own
 * autosave schema, and the save's transaction first reads the caller's auth session and
 * membership (records of their real size) as the sign-in and role check does.
 */
async function startFloor(dataDir: string, withRequiredLayers: boolean) {
  const file = withRequiredLayers ? "floor-required.sqlite" : "floor.sqlite";
  const store = openSqliteStore({ filename: path.join(dataDir, file) });
  const signer = await createAccessTokenSigner({ secret: crypto.randomBytes(32) });
  const tenantId = newId();
  const keys = tenantKeys(tenantId);
  const workspaces: Workspace[] = [];
  for (let i = 0; i < 50; i++) {
    const id = newId();
    const [sid, sub] = [newId(), newId()];
    await store.transact(async (tx) => {
      tx.set(keys.ws(id).rev, Buffer.from("0"));
      tx.set(
        keys.authSpace.key(sid),
        Buffer.from(JSON.stringify(floorAuthSession(sid, tenantId, sub))),
      );
      const member = { role: "Developer", addedAt: new Date().toISOString() };
      tx.set(keys.membersSpace.key(sub), Buffer.from(JSON.stringify(member)));
    });
    const { accessToken } = await signer.sign({
      sub,
      tid: tenantId,
      sid,
      fam: newId(),
      role: "Developer",
    });
    workspaces.push({ id, rev: 0, token: accessToken });
  }
  // Logged as Hearth logs requests (server.ts): to stdout, which the parent discards.
  const requestLog = createLogger().child({}, { redact: { paths: [] } });
  let requests = 0;

  type Claims = { sid: string; sub: string };
  type Input = { id: string; baseRev: number; editor?: unknown };
  const save = async (claims: Claims, input: Input) => {
    const sk = keys.ws(input.id);
    const editor = Buffer.from(JSON.stringify(input.editor));
    return store.transact(async (tx) => {
      if (withRequiredLayers) {
        const session = await tx.get(keys.authSpace.key(claims.sid));
        const member = await tx.get(keys.membersSpace.key(claims.sub));
        const active = session && JSON.parse(session.toString()).status === "active";
        const writer = member && JSON.parse(member.toString()).role !== "Viewer";
        if (!active || !writer) return { kind: "refused" as const };
      }
      const current = Number((await tx.get(sk.rev))?.toString());
      if (current !== input.baseRev) return { kind: "stale" as const, rev: current };
      tx.set(sk.chunk("editor", 0), editor);
      tx.set(sk.rev, Buffer.from(String(current + 1)));
      return { kind: "saved" as const, rev: current + 1, savedAt: new Date().toISOString() };
    });
  };

  let handle: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  if (withRequiredLayers) {
    // A stale rev answers CONFLICT with the current rev in the error data, as Hearth does.
    class StaleRev extends Error {
      constructor(readonly currentRev: number) {
        super(`the workspace is at rev ${currentRev}`);
      }
    }
    const t = initTRPC.context<{ token: string | null }>().create({
      errorFormatter: ({ shape, error }) =>
        error.cause instanceof StaleRev
          ? { ...shape, data: { ...shape.data, currentRev: error.cause.currentRev } }
          : shape,
    });
    const router = t.router({
      workspace: t.router({
        autosave: t.procedure.input(ZAutosaveInput).mutation(async ({ ctx, input }) => {
          const claims = await signer.verify(ctx.token ?? "");
          if (!claims) throw new TRPCError({ code: "UNAUTHORIZED" });
          const result = await save(claims, input);
          if (result.kind === "refused") throw new TRPCError({ code: "FORBIDDEN" });
          if (result.kind === "stale") {
            throw new TRPCError({ code: "CONFLICT", cause: new StaleRev(result.rev) });
          }
          return { rev: result.rev, savedAt: result.savedAt };
        }),
      }),
    });
    const trpc = createTRPCNodeHandler({
      router,
      lean: true,
      maxBodySize: 8 * 1024 * 1024,
      createContext: ({ req }) => ({ token: bearerToken(req.headers.authorization) }),
    });
    handle = (req, res) => void trpc(req, res, "workspace.autosave");
  } else {
    handle = (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        try {
          const claims = await signer.verify(bearerToken(req.headers.authorization) ?? "");
          if (!claims) return answer(res, 401, '{"error":{"message":"Sign in."}}');
          const result = await save(claims, JSON.parse(Buffer.concat(chunks).toString()));
          if (result.kind === "refused") return answer(res, 403, '{"error":{}}');
          if (result.kind === "stale") {
            const error = { data: { currentRev: result.rev } };
            return answer(res, 409, JSON.stringify({ error }));
          }
          const data = { rev: result.rev, savedAt: result.savedAt };
          answer(res, 200, JSON.stringify({ result: { data } }));
        } catch (err) {
          answer(res, 500, JSON.stringify({ error: { message: String(err) } }));
        }
      });
    };
  }
  const server = http.createServer((req, res) => {
    const start = performance.now();
    const reqId = `floor-${++requests}`;
    res.setHeader("x-request-id", reqId);
    res.on("close", () => {
      const ms = Math.round((performance.now() - start) * 100) / 100;
      const status = res.statusCode;
      requestLog.info({ reqId, method: req.method, path: req.url, status, ms }, "request");
    });
    handle(req, res);
  });
  return {
    url: await listen(server),
    workspaces,
    stop: async () => {
      server.close();
      await store.close();
    },
  };
}

/** An active auth session record as Hearth stores one (its model, so the sizes match). */
function floorAuthSession(id: string, tenantId: string, userId: string): AuthSession {
  const now = new Date().toISOString();
  return {
    id,
    tenantId,
    userId,
    tokenFamily: newId(),
    refreshTokenHash: crypto.randomBytes(32).toString("hex"),
    expiresAt: now,
    refreshExpiresAt: now,
    ipAddress: "127.0.0.1",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130 Safari/537.36",
    status: "active",
    createdAt: now,
    lastUsedAt: now,
  };
}

const [mode = "", dataDir] = process.argv.slice(2);
const server: { url: string; workspaces?: Workspace[]; stop(): unknown } = await start(
  mode,
  dataDir,
);
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
send({ type: "ready", url: server.url, workspaces: server.workspaces });
