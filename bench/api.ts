/**
 * `pnpm bench:api`: the HTTP API under load, measured in one run on this machine.
 *
 * Each server runs in its own process (bench/api-child.ts, bundled like the production
 * build) on a random loopback port, so autocannon does not share its event loop. Runs use
 * 50 connections, a warm-up, then a few seconds each, alternating over two rounds.
 * Writes bench/results/api.json and prints it.
 */
import { type ChildProcess, fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "@hearth/web/build";
import autocannon from "autocannon";
import type { ChildMessage, ParentMessage, Workspace } from "./api-child";

const here = path.dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_API_SECONDS || 4);
const ROUNDS = 2;
/** BENCH_API_QUICK=1: one round of the bare, floor and autosave runs only, for profiling work. */
const QUICK = process.env.BENCH_API_QUICK === "1";
const WARMUP_SECONDS = 1;
const LOGIN_CONCURRENCY = 20;
const LOGIN_SECONDS = 3;
const PASSWORD = "correct horse battery staple";
/** The targets: autosaveVsBare at least, autosaveP99Ms at most, the login lag below. */
const TARGETS = { autosaveVsBare: 0.4, autosaveP99Ms: 20, loginEventLoopLagP99Ms: 50 };

/** An editor part as the IDE autosaves it after a cursor move: ≈ 300 bytes of JSON. */
const EDITOR = {
  layout: "split-horizontal",
  activeTabIndex: 1,
  openTabs: [
    {
      path: "src/server/main.ts",
      language: "typescript",
      viewState: {
        cursorState: [{ inSelectionMode: false, position: { lineNumber: 42, column: 17 } }],
        viewState: { scrollTop: 612, scrollLeft: 0 },
      },
    },
    { path: "README.md", viewState: { cursorState: [], viewState: { scrollTop: 0 } } },
  ],
};
const EDITOR_JSON = JSON.stringify(EDITOR);
const EDITOR_BYTES = Buffer.byteLength(EDITOR_JSON);

interface Child {
  url: string;
  /** The floor server's workspaces and tokens. */
  workspaces?: Workspace[];
  send(m: ParentMessage): void;
  next(): Promise<ChildMessage>;
  stop(): Promise<void>;
}

/** The servers run as bundled like the production build, not through tsx. */
let childScript: string | undefined;

async function startChild(mode: string, ...args: string[]): Promise<Child> {
  childScript ??= await bundle({
    entry: path.join(here, "api-child.ts"),
    outfile: "dist/bench/api-child.mjs",
  });
  const child: ChildProcess = fork(childScript, [mode, ...args], {
    cwd: here,
    // BENCH_API_PROFILE=<dir>: each server writes a CPU profile of each measured run there.
    execArgv: (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean),
    // The servers' own logs go to /dev/null, written as in production.
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const inbox: ChildMessage[] = [];
  const waiting: { resolve: (m: ChildMessage) => void; reject: (e: Error) => void }[] = [];
  let exited: Error | undefined;
  child.on("message", (m: ChildMessage) => {
    const w = waiting.shift();
    if (w) w.resolve(m);
    else inbox.push(m);
  });
  child.once("exit", (code) => {
    exited = new Error(`${mode} server exited with ${code}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  const next = () =>
    new Promise<ChildMessage>((resolve, reject) => {
      const m = inbox.shift();
      if (m) return resolve(m);
      if (exited) return reject(exited);
      const timer = setTimeout(() => reject(new Error(`${mode} server did not answer`)), 60_000);
      waiting.push({
        resolve: (msg) => {
          clearTimeout(timer);
          resolve(msg);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  const ready = await next();
  if (ready.type !== "ready") throw new Error(`unexpected message ${JSON.stringify(ready)}`);
  return {
    url: ready.url,
    workspaces: ready.workspaces,
    send: (m) => child.send(m),
    next,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send({ type: "stop" } satisfies ParentMessage);
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }),
  };
}

interface Load {
  reqPerSec: number;
  /** CPU time the server process spent per answered request (user + system). */
  serverCpuMicrosPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * A warm-up, then the measured run; `options` is called afresh for each. Also measures the
 * server's CPU time per request, which other work on a shared machine disturbs far less
 * than throughput.
 */
async function load(
  server: Child,
  options: () => autocannon.Options,
  beforeRun?: () => Promise<void>,
): Promise<Load> {
  await beforeRun?.();
  await autocannon({ ...options(), connections: CONNECTIONS, duration: WARMUP_SECONDS });
  await beforeRun?.();
  server.send({ type: "cpu-start" });
  const r = await autocannon({ ...options(), connections: CONNECTIONS, duration: SECONDS });
  server.send({ type: "cpu-stop" });
  const cpu = await server.next();
  if (cpu.type !== "cpu") throw new Error("expected the CPU time");
  return {
    reqPerSec: Math.round(r.requests.average),
    serverCpuMicrosPerRequest: Math.round(cpu.micros / Math.max(1, r.requests.total)),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

class TrpcError extends Error {
  constructor(
    readonly procedure: string,
    readonly shape: { message: string; data?: Record<string, unknown> },
  ) {
    super(`${procedure}: ${shape.message}`);
  }
}

async function call<T>(base: string, procedure: string, input: unknown, token?: string) {
  const res = await fetch(`${base}/api/trpc/${procedure}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: TrpcError["shape"] };
  if (body.error) throw new TrpcError(procedure, body.error);
  return body.result!.data;
}

async function query<T>(base: string, procedure: string, input: unknown, token: string) {
  const url = `${base}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { result?: { data: T }; error?: TrpcError["shape"] };
  if (body.error) throw new TrpcError(procedure, body.error);
  return body.result!.data;
}

/** Registers users and creates workspaces until there is one per connection. */
async function seed(base: string): Promise<{ workspaces: Workspace[]; emails: string[] }> {
  const workspaces: Workspace[] = [];
  const emails: string[] = [];
  for (let u = 0; workspaces.length < CONNECTIONS; u++) {
    if (u > CONNECTIONS) throw new Error("could not create enough workspaces");
    const email = `bench-${u}@hearth.test`;
    const reg = await call<{ accessToken: string }>(base, "auth.register", {
      email,
      password: PASSWORD,
      firstName: "Bench",
      lastName: `User ${u}`,
    });
    emails.push(email);
    while (workspaces.length < CONNECTIONS) {
      const n = workspaces.length;
      try {
        const ws = await call<{ id?: string; meta?: { id: string }; rev?: number }>(
          base,
          "workspace.create",
          { name: `Bench ${n}`, path: `bench-${n}` },
          reg.accessToken,
        );
        const id = ws.id ?? ws.meta?.id;
        if (!id) throw new Error(`workspace.create answered no id: ${JSON.stringify(ws)}`);
        workspaces.push({ id, rev: ws.rev ?? 0, token: reg.accessToken });
      } catch (err) {
        // The plan's workspace limit: the next user brings a fresh tenant.
        if (err instanceof TrpcError && err.shape.data?.code === "PRECONDITION_FAILED") break;
        throw err;
      }
    }
  }
  return { workspaces, emails };
}

const REV = /"rev":(\d+)/;
const CURRENT_REV = /"currentRev":(\d+)/;

/**
 * Autosaves as the IDE sends them: each request takes a workspace nobody else is saving and
 * sends the rev its last save returned, so every save is a real one (a fixed stale baseRev
 * would only measure conflicts). With 50 connections and 50 workspaces one is always free.
 * A conflict answer carries the current rev, which the next save then uses.
 *
 * The bare server is also sent this load (`sameRequests`): autocannon then builds each
 * request and reads each answer, as in the autosave run, instead of repeating one
 * pre-built request, and the request carries the same headers.
 *
 * autocannon shares the machine with the server it measures, so what it does per request
 * is kept small: each workspace's headers are made once, the body is the editor part's
 * JSON made once with the id and rev around it (the same bytes JSON.stringify gives), and
 * an answer is searched for its rev rather than parsed. A lighter client measurably raises
 * the server's figures here; it changes nothing the server sees.
 */
async function saveLoad(
  server: Child,
  workspaces: Workspace[],
  beforeRun?: () => Promise<void>,
): Promise<Load & { conflicts: number }> {
  let conflicts = 0;
  type Ctx = { ws?: Workspace };
  const bodyOf = (ws: Workspace) =>
    `{"id":${JSON.stringify(ws.id)},"baseRev":${ws.rev},"editor":${EDITOR_JSON}}`;
  const sample = workspaces[0]!;
  if (bodyOf(sample) !== JSON.stringify({ id: sample.id, baseRev: sample.rev, editor: EDITOR })) {
    throw new Error("the autosave body is not the JSON of the autosave input");
  }
  const headers = new Map(
    workspaces.map((ws) => [
      ws,
      { "content-type": "application/json", authorization: `Bearer ${ws.token}` },
    ]),
  );
  const result = await load(
    server,
    () => {
      const free = [...workspaces];
      conflicts = 0;
      return {
        url: server.url,
        requests: [
          {
            method: "POST",
            path: "/api/trpc/workspace.autosave",
            setupRequest: (req, context: Ctx) => {
              const ws = free.pop() ?? workspaces[Math.floor(Math.random() * workspaces.length)]!;
              context.ws = ws;
              return {
                ...req,
                headers: headers.get(ws)!,
                body: bodyOf(ws),
              };
            },
            onResponse: (status, body, context: Ctx) => {
              const ws = context.ws;
              if (!ws) return;
              // A save answers its new rev; a conflict carries the current one.
              if (status === 409) conflicts++;
              const rev = (status === 200 ? REV : CURRENT_REV).exec(body);
              if (rev) ws.rev = Number(rev[1]);
              free.push(ws);
            },
          },
        ],
      };
    },
    beforeRun,
  );
  return { ...result, conflicts };
}

/**
 * Requests cut off at the end of a run may still have been saved, so each run starts from
 * the revs workspace.get answers.
 */
function autosaveLoad(server: Child, workspaces: Workspace[]) {
  const syncRevs = async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const ws of workspaces) {
      const session = await query<{ rev: number }>(
        server.url,
        "workspace.get",
        { id: ws.id },
        ws.token,
      );
      ws.rev = session.rev;
    }
  };
  return saveLoad(server, workspaces, syncRevs);
}

async function loginLag(child: Child, emails: string[]) {
  const base = child.url;
  child.send({ type: "lag-start" });
  const until = Date.now() + LOGIN_SECONDS * 1000;
  let logins = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: LOGIN_CONCURRENCY }, async (_, i) => {
      const email = emails[i % emails.length]!;
      while (Date.now() < until) {
        try {
          await call(base, "auth.login", { email, password: PASSWORD });
          logins++;
        } catch {
          failures++;
        }
      }
    }),
  );
  child.send({ type: "lag-stop" });
  const lag = await child.next();
  if (lag.type !== "lag") throw new Error("expected the event-loop lag");
  return { lag, loginsPerSec: Math.round(logins / LOGIN_SECONDS), failures };
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
/** `run` against `base`: by requests a second, and by the servers' CPU per request. */
const vs = (run: Load, base: Load) => round(run.reqPerSec / base.reqPerSec);
const vsByCpu = (run: Load, base: Load) =>
  round(base.serverCpuMicrosPerRequest / run.serverCpuMicrosPerRequest);

async function main() {
  const started = Date.now();
  // The bare server gets a body of the same size as an autosave's.
  const bareBody = JSON.stringify({
    id: "01JDZ4V6W3Q8N5K2M7R9T0XYZA",
    baseRev: 1234,
    editor: EDITOR,
  });
  const autosaveBodyBytes = Buffer.byteLength(bareBody);

  // All servers start together and idle while another is measured; the runs alternate
  // over ROUNDS rounds and each figure is the best round, so a burst of other work on this
  // shared machine lowers one round rather than one figure.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-bench-api-"));
  const children: Child[] = [];
  const spawn = async (mode: string, ...args: string[]) => {
    const child = await startChild(mode, ...args);
    children.push(child);
    return child;
  };
  const best = <T extends Load>(runs: T[]) =>
    runs.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
  let bare: Load;
  let bareSame: Load;
  let officialNoop: Load;
  let leanNoop: Load;
  let health: Load;
  let me: Load;
  let autosave: Awaited<ReturnType<typeof autosaveLoad>>;
  let floor: Load;
  let floorRequired: Load;
  let login: Awaited<ReturnType<typeof loginLag>>;
  try {
    const bareChild = await spawn("bare");
    const officialChild = await spawn("noop-official");
    const leanChild = await spawn("noop-lean");
    const floorChild = await spawn("floor", dataDir);
    const floorRequiredChild = await spawn("floor-required", dataDir);
    const hearth = await spawn("hearth", dataDir);
    const { workspaces, emails } = await seed(hearth.url);
    const noop = (child: Child) =>
      load(child, () => ({
        url: `${child.url}/api/trpc/noop`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }));
    const runs = {
      bare: [] as Load[],
      bareSame: [] as Load[],
      official: [] as Load[],
      lean: [] as Load[],
      autosave: [] as Awaited<ReturnType<typeof autosaveLoad>>[],
      floor: [] as Load[],
      floorRequired: [] as Load[],
      health: [] as Load[],
      me: [] as Load[],
    };
    for (let round = 0; round < (QUICK ? 1 : ROUNDS); round++) {
      runs.bare.push(
        await load(bareChild, () => ({
          url: `${bareChild.url}/api/trpc/workspace.autosave`,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: bareBody,
        })),
      );
      // The autosave run's own requests, on copies of the workspaces (bare answers carry a
      // rev of their own).
      runs.bareSame.push(
        await saveLoad(
          bareChild,
          workspaces.map((ws) => ({ ...ws })),
        ),
      );
      runs.autosave.push(await autosaveLoad(hearth, workspaces));
      // A conflict answer carries the current rev, so the floor's revs need no syncing.
      runs.floor.push(await saveLoad(floorChild, floorChild.workspaces!));
      runs.floorRequired.push(await saveLoad(floorRequiredChild, floorRequiredChild.workspaces!));
      if (QUICK) continue;
      runs.lean.push(await noop(leanChild));
      runs.official.push(await noop(officialChild));
      // For reference: the Hearth server's own plumbing (health check), and the query a
      // page load makes (auth.me).
      runs.health.push(await load(hearth, () => ({ url: `${hearth.url}/api/health` })));
      runs.me.push(
        await load(hearth, () => ({
          url: `${hearth.url}/api/trpc/auth.me`,
          headers: { authorization: `Bearer ${workspaces[0]!.token}` },
        })),
      );
    }
    bare = best(runs.bare);
    bareSame = best(runs.bareSame);
    autosave = best(runs.autosave);
    floor = best(runs.floor);
    floorRequired = best(runs.floorRequired);
    if (QUICK) {
      // Not a full result: printed, never written to bench/results.
      process.stdout.write(
        `${JSON.stringify({ bare, bareSame, autosave, floor, floorRequired }, null, 2)}\n`,
      );
      return;
    }
    leanNoop = best(runs.lean);
    officialNoop = best(runs.official);
    health = best(runs.health);
    me = best(runs.me);
    login = await loginLag(hearth, emails);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const cpus = os.cpus();
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? "unknown",
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      loadAverage: os.loadavg().map((x) => round(x, 2)),
    },
    connections: CONNECTIONS,
    secondsPerRun: SECONDS,
    rounds: ROUNDS,
    autosaveReqPerSec: autosave.reqPerSec,
    bareHttpReqPerSec: bare.reqPerSec,
    autosaveVsBare: vs(autosave, bare),
    // The same ratio from the servers' CPU time per request: steadier on a busy machine.
    autosaveVsBareByCpu: vsByCpu(autosave, bare),
    // The bare server sent the autosave run's own requests. autocannon shares this machine
    // with the servers, and building and reading each request costs it enough that it, not
    // the bare server, sets that run's pace: the req/s ratio flatters Hearth, the CPU ratio
    // is the closest measure of what an autosave costs the server over bare HTTP.
    sameRequests: {
      bareHttpReqPerSec: bareSame.reqPerSec,
      autosaveVsBare: vs(autosave, bareSame),
      autosaveVsBareByCpu: vsByCpu(autosave, bareSame),
    },
    // The same load on the floor server (api-child.ts): an autosave with nothing but the
    // work no autosave can skip. What it reaches bounds what any autosave can reach here.
    floorReqPerSec: floor.reqPerSec,
    floorVsBare: vs(floor, bare),
    floorVsBareByCpu: vsByCpu(floor, bare),
    // The floor with only the layers the API requires added: tRPC, validation, session check.
    floorRequiredReqPerSec: floorRequired.reqPerSec,
    floorRequiredVsBare: vs(floorRequired, bare),
    floorRequiredVsBareByCpu: vsByCpu(floorRequired, bare),
    autosaveP99Ms: autosave.p99Ms,
    loginEventLoopLagP99Ms: login.lag.p99Ms,
    trpcNoopReqPerSec: officialNoop.reqPerSec,
    leanNoopReqPerSec: leanNoop.reqPerSec,
    leanVsBareByCpu: vsByCpu(leanNoop, bare),
    targets: TARGETS,
    met: {
      autosaveVsBare: autosave.reqPerSec / bare.reqPerSec >= TARGETS.autosaveVsBare,
      autosaveP99Ms: autosave.p99Ms <= TARGETS.autosaveP99Ms,
      loginEventLoopLagP99Ms: login.lag.p99Ms < TARGETS.loginEventLoopLagP99Ms,
    },
    details: {
      autosave: {
        ...autosave,
        requestBodyBytes: autosaveBodyBytes,
        editorPartBytes: EDITOR_BYTES,
        method:
          "authenticated workspace.autosave of the editor part over HTTP; 50 workspaces (one per connection in flight, spread over users as the plan's workspace limit requires), each request sends the rev its workspace's last save returned",
      },
      bareHttp: {
        ...bare,
        method: "node:http reading a POST body of the autosave's size and answering 200 B of JSON",
      },
      bareHttpSameRequests: {
        ...bareSame,
        method:
          "the same bare server sent the autosave run's own requests (same headers and bodies, built and read per request the same way)",
      },
      floor: {
        ...floor,
        method:
          "the autosave load on a server doing only what no autosave can skip: node:http, JSON body, Hearth's access-token check, one SQLite transaction (rev read, editor part and rev written), JSON answer, request log line; no tRPC, validation, session, role or owner checks",
      },
      floorRequired: {
        ...floorRequired,
        method:
          "the floor with only the layers the API requires added: the procedure served by tRPC through Hearth's lean adapter, its input validated with Hearth's autosave schema, and the caller's auth session and membership read in the save's transaction",
      },
      trpcNoop: { ...officialNoop, method: "no-op mutation through tRPC's node-http adapter" },
      hearthHealth: { ...health, method: "GET /api/health on the Hearth server: its plumbing" },
      hearthAuthMe: {
        ...me,
        method:
          "authenticated auth.me query on the Hearth server (token, session check, user read)",
      },
      leanNoop: { ...leanNoop, method: "the same no-op mutation through Hearth's lean adapter" },
      login: {
        concurrency: LOGIN_CONCURRENCY,
        seconds: LOGIN_SECONDS,
        loginsPerSec: login.loginsPerSec,
        failures: login.failures,
        eventLoopLagP50Ms: login.lag.p50Ms,
        eventLoopLagP99Ms: login.lag.p99Ms,
        eventLoopLagMaxMs: login.lag.maxMs,
      },
      benchSeconds: Math.round((Date.now() - started) / 1000),
    },
  };
  const out = path.join(here, "results", "api.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
  fs.renameSync(`${out}.tmp`, out);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

await main();
