/**
 * The web app (Next.js, src/app) inside the Hearth server process: Next answers every
 * request outside /api, and in development also its hot-reload WebSocket.
 */
import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import { format } from "node:util";
import next from "next";
import type { Logger } from "./logger";

export interface WebApp {
  request: http.RequestListener;
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export interface WebAppOptions {
  /** apps/web: where next.config.ts and src/app are. */
  dir: string;
  /** Next's development server (compiles on request, hot reload) instead of `.next`. */
  dev: boolean;
  hostname: string;
  /** Omitted when the system picks the port. */
  port?: number;
  logger: Logger;
}

/** Terminal colour and cursor sequences, which have no place in a JSON log line. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");

/**
 * Next writes its own lines ("✓ Ready", warnings) with console.*; in this process stdout
 * is the JSON log and the one "hearth listening" line, so they become log records.
 */
export function routeConsoleToLogger(logger: Logger): void {
  const log = logger.child({ from: "next" });
  const line = (args: unknown[]) =>
    format(...args)
      .replace(ANSI, "")
      .trim();
  console.log = console.info = (...args: unknown[]) => {
    const msg = line(args);
    if (msg) log.info(msg);
  };
  console.warn = (...args: unknown[]) => log.warn(line(args));
  console.error = (...args: unknown[]) => log.error(line(args));
}

/** apps/web, found from this file whether it runs from source or from dist/server.mjs. */
export function findWebDir(from: string): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, "next.config.ts"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no next.config.ts above ${from}`);
    dir = parent;
  }
}

/** Whether `next build` has produced the production app in `dir`. */
export function hasProductionBuild(dir: string): boolean {
  return fs.existsSync(path.join(dir, ".next", "BUILD_ID"));
}

/**
 * Starts Next. Requests that arrive while it prepares wait for it; a failure to prepare
 * answers 503 rather than taking the API down with it.
 */
export function createWebApp(opts: WebAppOptions): WebApp {
  const app = next({
    dev: opts.dev,
    dir: opts.dir,
    hostname: opts.hostname,
    ...(opts.port ? { port: opts.port } : {}),
    customServer: true,
  });
  const prepared = app.prepare().then(
    () => true,
    (err: unknown) => {
      opts.logger.error({ err }, "the web app could not start");
      return false;
    },
  );
  // Next hands out its handlers only once prepared.
  const handlers = prepared.then((ok) =>
    ok
      ? {
          handle: app.getRequestHandler(),
          upgrade: opts.dev ? app.getUpgradeHandler() : null,
        }
      : null,
  );

  return {
    request(req, res) {
      void handlers.then((h) => {
        if (!h) {
          res.statusCode = 503;
          res.setHeader("content-type", "text/plain; charset=utf-8");
          res.end("The web app could not start; see the server log.\n");
          return;
        }
        h.handle(req, res).catch((err: unknown) => {
          opts.logger.error({ err, path: req.url }, "web request failed");
          if (!res.headersSent) res.statusCode = 500;
          res.end();
        });
      });
    },
    upgrade(req, socket, head) {
      void handlers.then((h) => {
        if (h?.upgrade) void h.upgrade(req, socket, head);
        else socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      });
    },
    async close() {
      if (await prepared) await app.close();
    },
  };
}
