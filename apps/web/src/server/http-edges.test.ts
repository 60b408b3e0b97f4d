/**
 * HTTP as a new user meets it: bodies over the limit, and clients that are slow or idle on
 * purpose. The 413 runs against the production server in a process of its own: only
 * then does the client race the server's close as it does in real use.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { initTRPC } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "./logger";
import {
  buildProductionServer,
  type ProductionServer,
  startProductionServer,
} from "./ops/production-server";
import { createHearthServer, type HearthServer } from "./server";

const LIMIT = 1024 * 1024;

describe("a body over HEARTH_MAX_BODY_BYTES", () => {
  let server: ProductionServer;
  let dataDir: string;

  beforeAll(async () => {
    const bundle = await buildProductionServer("http-edges");
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-edges-"));
    server = await startProductionServer(bundle, {
      dataDir,
      env: { HEARTH_MAX_BODY_BYTES: String(LIMIT) },
    });
  }, 120_000);

  afterAll(async () => {
    await server?.kill9();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function send(body: string, chunked: boolean): Promise<string> {
    const init: RequestInit & { duplex?: "half" } = {
      method: "POST",
      headers: { "content-type": "application/json" },
    };
    if (chunked) {
      init.body = new Blob([body]).stream();
      init.duplex = "half";
    } else {
      init.body = body;
    }
    try {
      const res = await fetch(`${server.url}/api/trpc/workspace.autosave`, init);
      const answer = (await res.json()) as { error?: { data?: { code?: string } } };
      return `${res.status} ${answer.error?.data?.code}`;
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return `network error ${cause?.code ?? cause?.message ?? err}`;
    }
  }

  it("is always answered 413, whether its length is declared or it is sent in chunks", async () => {
    // 1.5 MiB over a 1 MiB limit: the client is still sending when the answer is ready.
    const body = JSON.stringify({ id: "x", baseRev: 0, pad: "x".repeat(LIMIT * 1.5) });
    const answers: Record<string, number> = {};
    for (let i = 0; i < 60; i++) {
      const chunked = i % 2 === 1;
      const key = `${chunked ? "chunked" : "declared"}: ${await send(body, chunked)}`;
      answers[key] = (answers[key] ?? 0) + 1;
    }
    expect(answers).toEqual({
      "declared: 413 PAYLOAD_TOO_LARGE": 30,
      "chunked: 413 PAYLOAD_TOO_LARGE": 30,
    });
  }, 120_000);

  it("leaves the server serving the next request", async () => {
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(200);
  });
});

describe("slow and idle clients", () => {
  let server: HearthServer;
  let dataDir: string;
  const t = initTRPC.create();
  const router = t.router({ ping: t.procedure.query(() => "pong") });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-slow-"));
    server = await createHearthServer({
      port: 0,
      dataDir,
      logger: createLogger({ level: "silent" }),
      api: () => ({ router, createContext: () => ({}) }),
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
    });
  });

  afterAll(async () => {
    await server?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A connection that writes `parts` one every `everyMs` and never finishes its request. */
  function trickle(parts: () => string, everyMs: number) {
    const socket = net.connect(server.port, "127.0.0.1");
    const opened = performance.now();
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(parts());
    }, everyMs);
    const closed = new Promise<number>((resolve) => {
      socket.on("error", () => {});
      socket.once("close", () => {
        clearInterval(timer);
        resolve(performance.now() - opened);
      });
    });
    return { socket, closed };
  }

  it("cuts off clients that send headers, a body or nothing too slowly, and serves others meanwhile", async () => {
    const clients = [
      // Slow-loris: a header line every 200 ms, never the blank line that ends them.
      ...Array.from({ length: 40 }, () => {
        let n = 0;
        return trickle(
          () => (n++ === 0 ? "GET /api/health HTTP/1.1\r\nhost: x\r\n" : `x-${n}: y\r\n`),
          200,
        );
      }),
      // Headers done, then a declared body sent a byte at a time.
      ...Array.from({ length: 20 }, () => {
        let first = true;
        return trickle(() => {
          if (!first) return "x";
          first = false;
          return "POST /api/trpc/ping HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n";
        }, 100);
      }),
      // Connected, then silent.
      ...Array.from({ length: 20 }, () => trickle(() => "", 60_000)),
    ];

    // Meanwhile everyone else is served at once.
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${server.url}/api/trpc/ping`);
      expect(res.status).toBe(200);
    }

    // Each slow client is cut off soon after its timeout (headers 1 s, request 2 s),
    // never left to hold its connection.
    const lifetimes = await Promise.race([
      Promise.all(clients.map((c) => c.closed)),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("slow clients still connected after 6 s")), 6_000),
      ),
    ]);
    expect(Math.max(...lifetimes)).toBeLessThan(4_000);
    expect(server.http.listening).toBe(true);
    const res = await fetch(`${server.url}/api/trpc/ping`);
    expect(await res.json()).toEqual({ result: { data: "pong" } });
  }, 20_000);
});
