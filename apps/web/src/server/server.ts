/**
 * The one Hearth server process: tRPC over HTTP and WebSocket, the health check, and a
 * fallback handler for everything outside /api (the web app mounts there).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Duplex } from "node:stream";
import { type FaultOptions, openStore, type Store, type StoreKind, withFaults } from "@hearth/db";
import type { AnyTRPCRouter, inferRouterContext } from "@trpc/server";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer } from "ws";
import pkg from "../../package.json" with { type: "json" };
import { cutSilentConnections, installLingeringClose } from "./connection-guards";
import { createLogger, type Logger } from "./logger";
import {
  closedResponseMeta,
  type RequestMeta,
  type ResponseMeta,
  requestMeta,
  responseMeta,
  webSocketRequestMeta,
} from "./request-meta";
import { createTRPCNodeHandler, type TRPCNodeHandler } from "./trpc-handler";

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const TRPC_PREFIX = "/api/trpc/";
export const TRPC_WS_PATH = "/api/trpc-ws";
export const HEALTH_PATH = "/api/health";

/** The API the server exposes: a tRPC router and how to build one call's context. */
export interface ServerApi<TRouter extends AnyTRPCRouter = AnyTRPCRouter> {
  router: TRouter;
  createContext(meta: {
    req: RequestMeta;
    res: ResponseMeta;
  }): Promise<inferRouterContext<TRouter>> | inferRouterContext<TRouter>;
  /** Releases what the API holds (mailer connections...). The store is closed after it. */
  close?(): Promise<void>;
}

export interface ServerApiDeps {
  store: Store;
  dataDir: string;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** Where people reach this server: links in mails point here, its Origin is trusted. */
  publicUrl: string;
  /** The address it listens on (mail is logged, without SMTP, only on loopback). */
  host: string;
}

export type ServerApiFactory = (deps: ServerApiDeps) => ServerApi | Promise<ServerApi>;

export interface HearthServerOptions {
  /** Defaults to 3000; 0 picks a free port. */
  port?: number;
  host?: string;
  dataDir?: string;
  store?: StoreKind;
  fdbClusterFile?: string;
  /** `HEARTH_SQLITE_SYNC`: "normal" (default) or "full". */
  sqliteSync?: string;
  /** Request bodies above this are refused with 413 PAYLOAD_TOO_LARGE (default 8 MB). */
  maxBodyBytes?: number;
  /**
   * How many proxies the operator runs in front (`HEARTH_TRUST_PROXY`): that many
   * X-Forwarded-* entries, counted from the right, are believed. Default 0.
   */
  trustProxy?: number;
  /** Where people reach the server (`HEARTH_PUBLIC_URL`); defaults to its own URL. */
  publicUrl?: string;
  /** Builds the API on the opened store. */
  api: ServerApiFactory;
  logger?: Logger;
  /** Handles every request outside /api; 404 by default. */
  fallback?: http.RequestListener;
  /** Handles WebSocket upgrades outside /api/trpc-ws; refused by default. */
  fallbackUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Passed to the API factory (SMTP settings and the like). */
  env?: NodeJS.ProcessEnv;
  /** Longest wait for in-flight requests on shutdown before connections are cut. */
  shutdownGraceMs?: number;
  /** Longest a client may take to send its headers (default 20 s). */
  headersTimeoutMs?: number;
  /** Longest a client may take to send its whole request (default 60 s). */
  requestTimeoutMs?: number;
  /**
   * Injected store failures (`HEARTH_FAULTS`), to prove the stack copes with them: tests
   * only, never in production.
   */
  faults?: FaultOptions;
}

export interface HearthServer {
  /** `http://host:port` as it listens. */
  readonly url: string;
  /** Where people reach it (HEARTH_PUBLIC_URL, else `url`). */
  readonly publicUrl: string;
  readonly host: string;
  readonly port: number;
  readonly store: Store;
  readonly logger: Logger;
  readonly http: http.Server;
  /** How many tRPC requests each adapter path served. */
  readonly trpcServed: TRPCNodeHandler["served"];
  /**
   * Stops accepting, lets in-flight requests finish, closes WebSockets, the API and the
   * store. Safe to call more than once.
   */
  close(): Promise<void>;
}

export function formatUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

type UpgradeListener = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What the log lines of a request need (its id, when it began, what it asked for). */
const TRACKED = Symbol("hearth.tracked");
type TrackedRequest = http.IncomingMessage & {
  [TRACKED]?: { id: string; start: number; pathname: string };
};

/**
 * Request ids: a random prefix per server process and a counter. Unique across servers
 * and restarts (48 random bits), and cheaper than a UUID per request.
 */
export function requestIds(): () => string {
  const prefix = randomBytes(6).toString("hex");
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}

export async function createHearthServer(opts: HearthServerOptions): Promise<HearthServer> {
  const host = opts.host ?? "127.0.0.1";
  const dataDir = path.resolve(opts.dataDir ?? "./.data");
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const trustProxy = opts.trustProxy ?? 0;
  const logger = opts.logger ?? createLogger();
  const metaOptions = { trustProxy };

  fs.mkdirSync(dataDir, { recursive: true });
  const opened = await openStore({
    store: opts.store ?? "sqlite",
    dataDir,
    ...(opts.fdbClusterFile ? { clusterFile: opts.fdbClusterFile } : {}),
    ...(opts.sqliteSync ? { sqliteSync: opts.sqliteSync } : {}),
  });
  const store: Store = opts.faults ? withFaults(opened, opts.faults) : opened;
  if (opts.faults) {
    const { seed, notCommitted = 0, commitUnknown = 0 } = opts.faults;
    const warning =
      `HEARTH_FAULTS is set: ${notCommitted * 100}% of store attempts fail as not_committed ` +
      `and ${commitUnknown * 100}% as commit_unknown_result (seed ${seed}). For tests only.`;
    process.stderr.write(`\n*** hearth: ${warning} ***\n\n`);
    logger.warn({ faults: opts.faults }, warning);
  }
  const health = JSON.stringify({ ok: true, store: store.kind, version: pkg.version });
  let closing = false;

  // The port is bound first, so the API can be told the URL it is reached at (links in
  // mails) even when the port was picked by the system; a request arriving before the API
  // is ready waits for it.
  let app: { request: http.RequestListener; upgrade: UpgradeListener } | undefined;
  let appReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    appReady = resolve;
  });
  const headersTimeout = opts.headersTimeoutMs ?? 20_000;
  const requestTimeout = opts.requestTimeoutMs ?? 60_000;
  // Node looks for clients past these timeouts every 30 s unless told: a slow client could
  // then hold its connection half a minute longer than the timeout says.
  const connectionsCheckingInterval = Math.max(50, Math.min(1_000, headersTimeout / 4));
  const server = http.createServer({ connectionsCheckingInterval }, (req, res) => {
    if (app) app.request(req, res);
    else void ready.then(() => app?.request(req, res));
  });
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (app) app.upgrade(req, socket, head);
    else void ready.then(() => app?.upgrade(req, socket, head));
  });
  // Hung and slow clients must not hold a connection, memory or a shutdown forever.
  server.requestTimeout = requestTimeout;
  server.headersTimeout = Math.min(headersTimeout, requestTimeout);
  // A body refused before it was read (413) is drained for a while before the connection
  // closes, so the client reads the answer instead of a reset.
  installLingeringClose(server, { ms: 5_000, bytes: maxBodyBytes + 8 * 1024 * 1024 });
  cutSilentConnections(server, headersTimeout);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      // Node's default backlog (511) overflows when a thousand clients connect at once
      // while the event loop is busy (the soak did, and their SYNs were dropped and
      // retried for seconds); the kernel caps this at net.core.somaxconn.
      server.listen({ port: opts.port ?? 3000, host, backlog: 4096 }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = formatUrl(host, port);
  const publicUrl = opts.publicUrl ?? url;

  let api: ServerApi;
  try {
    api = await opts.api({
      store,
      dataDir,
      logger,
      env: opts.env ?? process.env,
      publicUrl,
      host,
    });
  } catch (err) {
    server.close();
    server.closeAllConnections();
    await store.close();
    throw err;
  }
  const { router } = api;

  const onError = ({
    error,
    path,
    req,
  }: {
    error: { code: string; message: string; cause?: unknown };
    path?: string | undefined;
    req: http.IncomingMessage;
  }) => {
    // Expected errors (bad input, no access...) are part of normal traffic; only failures
    // of the server itself deserve a log line. Never the input: it may hold passwords.
    if (error.code !== "INTERNAL_SERVER_ERROR") return;
    logger.error(
      { reqId: (req as TrackedRequest)[TRACKED]?.id, path, err: error.cause ?? error },
      "procedure failed",
    );
  };

  const trpc = createTRPCNodeHandler({
    router,
    maxBodySize: maxBodyBytes,
    createContext: ({ req, res }) =>
      api.createContext({ req: requestMeta(req, metaOptions), res: responseMeta(res) }),
    onError,
  });

  const fallback: http.RequestListener =
    opts.fallback ??
    ((_req, res) => {
      res.statusCode = 404;
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end("Not found\n");
    });

  // Request lines carry only the method, the path without its query, status, time and id,
  // never headers, queries or bodies, so they skip pino's redaction, which costs ten times
  // the rest of the line (≈ 25 µs against ≈ 2 µs here) on every request.
  const requestLog = logger.child({}, { redact: { paths: [] } });

  // One listener function for every response: the per-request values travel on the
  // request (reached as res.req) instead of in a closure made for each request.
  function logRequest(this: http.ServerResponse) {
    const req = this.req as TrackedRequest;
    const { id, start, pathname } = req[TRACKED]!;
    const ms = Math.round((performance.now() - start) * 100) / 100;
    const status = this.writableFinished ? this.statusCode : 499;
    requestLog.info({ reqId: id, method: req.method, path: pathname, status, ms }, "request");
    // Connections that were busy when shutdown began are let go as soon as they are idle.
    if (closing) setImmediate(() => server.closeIdleConnections());
  }

  const nextRequestId = requestIds();
  const onRequest: http.RequestListener = (req, res) => {
    const start = performance.now();
    const id = nextRequestId();
    res.setHeader("x-request-id", id);
    if (closing) res.setHeader("connection", "close");
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q === -1 ? url : url.slice(0, q);
    (req as TrackedRequest)[TRACKED] = { id, start, pathname };
    res.on("close", logRequest);

    if (pathname.startsWith(TRPC_PREFIX)) {
      void trpc(req, res, pathname.slice(TRPC_PREFIX.length));
      return;
    }
    if (pathname === HEALTH_PATH) {
      res.setHeader("cache-control", "no-store");
      res.setHeader("content-type", "application/json");
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.statusCode = 405;
        res.setHeader("allow", "GET, HEAD");
        res.end(JSON.stringify({ ok: false, message: "Use GET." }));
        return;
      }
      res.end(req.method === "HEAD" ? undefined : health);
      return;
    }
    if (pathname === "/api" || pathname.startsWith("/api/")) {
      res.statusCode = 404;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ ok: false, message: `No API at ${pathname}.` }));
      return;
    }
    fallback(req, res);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBodyBytes });
  const ws = applyWSSHandler({
    wss,
    router,
    createContext: ({ req, res, info }) =>
      api.createContext({
        req: webSocketRequestMeta(req, info.connectionParams, metaOptions, res),
        res: closedResponseMeta,
      }),
    onError,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
  });
  const onUpgrade: UpgradeListener = (req, socket, head) => {
    const pathname = (req.url ?? "/").split("?", 1)[0];
    if (pathname === TRPC_WS_PATH && !closing) {
      wss.handleUpgrade(req, socket, head, (client) => wss.emit("connection", client, req));
    } else if (opts.fallbackUpgrade && !pathname?.startsWith("/api/") && !closing) {
      opts.fallbackUpgrade(req, socket, head);
    } else {
      socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    }
  };

  app = { request: onRequest, upgrade: onUpgrade };
  appReady();
  logger.info({ url, publicUrl, store: store.kind, dataDir, version: pkg.version }, "listening");

  let closed: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    closing = true;
    logger.info("shutting down");
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();

    // Clients of this server are told to reconnect (to another one, or to this one again
    // once it is back), then their sockets end.
    ws.broadcastReconnectNotification();
    for (const client of wss.clients) client.close(1001, "Server shutting down");
    const wsClosed = new Promise<void>((resolve) => wss.close(() => resolve()));

    const grace = opts.shutdownGraceMs ?? 10_000;
    const cut = setTimeout(() => {
      logger.warn("in-flight requests still open after the grace period; closing them");
      server.closeAllConnections();
      for (const client of wss.clients) client.terminate();
    }, grace);
    cut.unref();
    const wsCut = setTimeout(() => {
      for (const client of wss.clients) client.terminate();
    }, 1_000);
    wsCut.unref();
    await Promise.all([httpClosed, wsClosed]);
    clearTimeout(cut);
    clearTimeout(wsCut);

    try {
      await api.close?.();
    } finally {
      await store.close();
      logger.info("stopped");
    }
  }

  return {
    url,
    publicUrl,
    host,
    port,
    store,
    logger,
    http: server,
    trpcServed: trpc.served,
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}
