import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createTRPCClient, createWSClient, httpLink, wsLink } from "@trpc/client";
import { initTRPC, TRPCError } from "@trpc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { z } from "zod";
import { createLogger } from "./logger";
import type { RequestMeta, ResponseMeta } from "./request-meta";
import { createHearthServer, type HearthServer, requestIds, type ServerApiFactory } from "./server";

interface Ctx {
  req: RequestMeta;
  res: ResponseMeta;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

// A stand-in for Hearth's API with the same context contract: the server must hand every
// procedure the request's metadata and a way to set response headers.
function testApi(gates: { entered: ReturnType<typeof deferred>; release: Promise<void> }) {
  const t = initTRPC.context<Ctx>().create({ isDev: false });
  const router = t.router({
    whoami: t.procedure.query(({ ctx }) => ctx.req),
    signIn: t.procedure.input(z.object({ password: z.string() })).mutation(({ ctx }) => {
      ctx.res.setCookie("hearth_refresh=s1.secret; Path=/api; HttpOnly; SameSite=Lax");
      ctx.res.setCookie("second=2; Path=/");
      ctx.res.setHeader("x-hearth-test", "set");
      return { ok: true };
    }),
    explode: t.procedure.input(z.object({ password: z.string() })).mutation(() => {
      throw new Error("kaboom");
    }),
    refuse: t.procedure.mutation(() => {
      throw new TRPCError({ code: "FORBIDDEN", message: "No." });
    }),
    slow: t.procedure.mutation(async () => {
      gates.entered.resolve();
      await gates.release;
      return "finished";
    }),
    ticks: t.procedure.subscription(async function* () {
      for (let i = 1; i <= 3; i++) yield i;
    }),
  });
  const factory: ServerApiFactory = () => ({
    router,
    createContext: ({ req, res }) => ({ req, res }),
  });
  return { router, factory };
}
type TestRouter = ReturnType<typeof testApi>["router"];

describe("requestIds", () => {
  it("never repeats an id, within a server or across servers", () => {
    const a = requestIds();
    const b = requestIds();
    const ids = Array.from({ length: 1000 }, () => a()).concat(
      Array.from({ length: 1000 }, () => b()),
    );
    expect(new Set(ids).size).toBe(2000);
  });
});

describe("Hearth server", () => {
  let dataDir: string;
  let server: HearthServer | undefined;
  let logLines: string[];
  let gates: { entered: ReturnType<typeof deferred>; release: Promise<void> };
  let release: () => void;

  async function start(extra: { maxBodyBytes?: number; fallback?: http.RequestListener } = {}) {
    const r = deferred();
    release = r.resolve;
    gates = { entered: deferred(), release: r.promise };
    const { factory } = testApi(gates);
    logLines = [];
    server = await createHearthServer({
      port: 0,
      host: "127.0.0.1",
      dataDir,
      api: factory,
      logger: createLogger({ destination: { write: (line: string) => logLines.push(line) } }),
      ...extra,
    });
    return server;
  }

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-server-test-"));
  });
  afterEach(async () => {
    release?.();
    await server?.close();
    server = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers the health check with the store kind, on a real SQLite file", async () => {
    const s = await start();
    const res = await fetch(`${s.url}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = await res.json();
    expect(body).toEqual({ ok: true, store: "sqlite", version: expect.any(String) });
    expect(fs.existsSync(path.join(dataDir, "hearth.sqlite"))).toBe(true);
  });

  it("routes /api/* itself and everything else to the fallback", async () => {
    const s = await start({
      fallback: (_req, res) => {
        res.setHeader("content-type", "text/html");
        res.end("<p>web app</p>");
      },
    });
    const page = await fetch(`${s.url}/workspaces/abc`);
    expect(await page.text()).toBe("<p>web app</p>");
    const missing = await fetch(`${s.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    const wrongMethod = await fetch(`${s.url}/api/health`, { method: "POST" });
    expect(wrongMethod.status).toBe(405);
  });

  it("answers 404 outside /api until the web app is mounted", async () => {
    const s = await start();
    expect((await fetch(`${s.url}/`)).status).toBe(404);
  });

  it("gives procedures the request's metadata", async () => {
    const s = await start();
    const client = createTRPCClient<TestRouter>({
      links: [
        httpLink({
          url: `${s.url}/api/trpc`,
          headers: {
            authorization: "Bearer abc",
            cookie: "hearth_refresh=x.y",
            origin: "http://example.test",
            "user-agent": "hearth-test/1",
          },
        }),
      ],
    });
    expect(await client.whoami.query()).toEqual({
      ip: "127.0.0.1",
      userAgent: "hearth-test/1",
      authorization: "Bearer abc",
      cookie: "hearth_refresh=x.y",
      origin: "http://example.test",
      host: new URL(s.url).host,
      protocol: "http",
    });
  });

  it("delivers cookies and headers set by a procedure on the lean and the batched path", async () => {
    const s = await start();
    const single = await fetch(`${s.url}/api/trpc/signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ password: "pw" }),
    });
    const batched = await fetch(`${s.url}/api/trpc/signIn?batch=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ 0: { password: "pw" } }),
    });
    expect(s.trpcServed).toEqual({ lean: 1, official: 1 });
    for (const res of [single, batched]) {
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()).toEqual([
        "hearth_refresh=s1.secret; Path=/api; HttpOnly; SameSite=Lax",
        "second=2; Path=/",
      ]);
      expect(res.headers.get("x-hearth-test")).toBe("set");
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    }
    expect(await single.json()).toEqual({ result: { data: { ok: true } } });
    expect(await batched.json()).toEqual([{ result: { data: { ok: true } } }]);
  });

  it("refuses a body over the limit with 413 before reading it", async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const { port } = new URL(s.url);
    // Announces 10 MB but sends 100 bytes: an answer proves the server did not wait for
    // the rest.
    const answer = await new Promise<{ status: number; body: string; connection?: string }>(
      (resolve, reject) => {
        const req = http.request({
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/api/trpc/signIn",
          headers: { "content-type": "application/json", "content-length": 10 * 1024 * 1024 },
          agent: false,
        });
        req.on("response", (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            body += c;
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body,
              ...(res.headers.connection ? { connection: res.headers.connection } : {}),
            }),
          );
        });
        req.on("error", reject);
        req.write("x".repeat(100));
      },
    );
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe("close");
    expect(JSON.parse(answer.body).error).toMatchObject({
      code: -32013,
      data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413, path: "signIn" },
    });

    // Without a declared length the lean path stops reading at the limit.
    const chunked = await fetch(`${s.url}/api/trpc/signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([JSON.stringify({ password: "p".repeat(5000) })]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const refusal = (await chunked.json()) as { error: { data: { code: string } } };
    expect(refusal.error.data.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("survives a client that leaves halfway through its body", async () => {
    const s = await start();
    const { port } = new URL(s.url);
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/trpc/signIn",
        headers: { "content-type": "application/json", "content-length": 500 },
        agent: false,
      });
      req.on("error", () => resolve());
      req.write('{"password":"', () => setTimeout(() => req.destroy(), 50));
    });
    const res = await fetch(`${s.url}/api/health`);
    expect(res.status).toBe(200);
    await s.close();
    const statuses = logLines
      .map((l) => JSON.parse(l))
      .filter((e) => e.msg === "request")
      .map((e) => [e.path, e.status]);
    expect(statuses).toEqual([
      ["/api/trpc/signIn", 499],
      ["/api/health", 200],
    ]);
  });

  it("serves queries and subscriptions over WebSocket with connection params as auth", async () => {
    const s = await start();
    const wsClient = createWSClient({
      url: `${s.url.replace("http", "ws")}/api/trpc-ws`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { authorization: "Bearer from-params" },
    });
    try {
      const client = createTRPCClient<TestRouter>({ links: [wsLink({ client: wsClient })] });
      const me = await client.whoami.query();
      expect(me.authorization).toBe("Bearer from-params");
      const seen: number[] = [];
      await new Promise<void>((resolve, reject) => {
        client.ticks.subscribe(undefined, {
          onData: (n) => seen.push(n),
          onComplete: resolve,
          onError: reject,
        });
      });
      expect(seen).toEqual([1, 2, 3]);
    } finally {
      await wsClient.close();
    }
  });

  it("refuses WebSocket upgrades on other paths", async () => {
    const s = await start();
    const socket = new WebSocket(`${s.url.replace("http", "ws")}/api/elsewhere`);
    const failure = await new Promise<string>((resolve) => {
      socket.on("unexpected-response", (_req, res) => resolve(String(res.statusCode)));
      socket.on("error", (err) => resolve(err.message));
    });
    expect(failure).toMatch(/404/);
  });

  it("logs each request with an id, and no credentials, cookies or passwords", async () => {
    const s = await start();
    const secrets = {
      authorization: "Bearer eyJsecret-token-value",
      cookie: "hearth_refresh=sess1.cookie-secret-value",
      password: "hunter2-password-value",
    };
    const headers = {
      "content-type": "application/json",
      authorization: secrets.authorization,
      cookie: secrets.cookie,
    };
    const body = JSON.stringify({ password: secrets.password });
    const ok = await fetch(`${s.url}/api/trpc/signIn`, { method: "POST", headers, body });
    const failed = await fetch(`${s.url}/api/trpc/explode`, { method: "POST", headers, body });
    const batchFailed = await fetch(`${s.url}/api/trpc/explode?batch=1`, {
      method: "POST",
      headers,
      body: JSON.stringify({ 0: { password: secrets.password } }),
    });
    const refused = await fetch(`${s.url}/api/trpc/refuse`, { method: "POST", headers });
    expect([ok.status, failed.status, batchFailed.status, refused.status]).toEqual([
      200, 500, 500, 403,
    ]);
    await s.close();

    const entries = logLines.map((l) => JSON.parse(l));
    const requests = entries.filter((e) => e.msg === "request");
    expect(requests.map((e) => [e.method, e.path, e.status])).toEqual([
      ["POST", "/api/trpc/signIn", 200],
      ["POST", "/api/trpc/explode", 500],
      ["POST", "/api/trpc/explode", 500],
      ["POST", "/api/trpc/refuse", 403],
    ]);
    for (const e of requests) {
      expect(e.reqId).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
      expect(typeof e.ms).toBe("number");
    }
    expect(new Set(requests.map((e) => e.reqId)).size).toBe(4);
    expect(requests[0].reqId).toBe(ok.headers.get("x-request-id"));

    // Server failures are logged with the request they belong to; refusals are not.
    const failures = entries.filter((e) => e.msg === "procedure failed");
    expect(failures.map((e) => e.reqId)).toEqual([
      failed.headers.get("x-request-id"),
      batchFailed.headers.get("x-request-id"),
    ]);
    expect(failures[0].err.message).toBe("kaboom");

    const all = logLines.join("\n");
    for (const secret of Object.values(secrets)) {
      expect(all).not.toContain(secret.split(/[ =]/).pop());
    }
  });

  it("redacts credentials even when an object carrying them is logged", () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (l: string) => lines.push(l) } });
    logger.info({
      headers: { authorization: "Bearer tok-1", cookie: "c=tok-2", "set-cookie": ["tok-3"] },
      user: { email: "a@b.c", password: "tok-4" },
      accessToken: "tok-5",
      body: { refreshToken: "tok-6", token: "tok-7" },
    });
    expect(lines.join("")).not.toMatch(/tok-\d/);
    expect(lines.join("")).toContain("a@b.c");
  });

  it("shuts down gracefully: refuses new connections, finishes in-flight work, closes the store", async () => {
    const s = await start();
    const wsClosed = deferred();
    const socket = new WebSocket(`${s.url.replace("http", "ws")}/api/trpc-ws`);
    let closeCode = 0;
    socket.on("close", (code) => {
      closeCode = code;
      wsClosed.resolve();
    });
    await new Promise((resolve) => socket.once("open", resolve));

    const inFlight = fetch(`${s.url}/api/trpc/slow`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    await gates.entered.promise;
    const closing = s.close();

    const { port } = new URL(s.url);
    const refused = await new Promise<string>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/api/health", agent: false });
      req.on("response", () => resolve("answered"));
      req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(refused).toBe("ECONNREFUSED");

    await wsClosed.promise;
    expect(closeCode).toBe(1001);

    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: { data: "finished" } });
    await closing;
    await expect(s.store.transact(async (tx) => tx.get(Buffer.from("k")))).rejects.toThrow();
  });
});
