/**
 * The real server for integration tests: a random loopback port, a fresh data directory
 * with a real SQLite file, and Hearth's own API (or one the test gives).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Store } from "@hearth/db";
import { hearthApi } from "./hearth-api";
import { createLogger, type Logger } from "./logger";
import { createHearthServer, type HearthServer, type HearthServerOptions } from "./server";

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `<url>/api/trpc`, for `httpLink({ url: trpcUrl })`. */
  trpcUrl: string;
  /** `ws://127.0.0.1:<port>/api/trpc-ws` */
  wsUrl: string;
  dataDir: string;
  /** The server's own store, to check what a call changed (or did not). */
  store: Store;
  server: HearthServer;
  /** Closes the server and removes the data directory. */
  stop(): Promise<void>;
}

export type TestServerOptions = Partial<Omit<HearthServerOptions, "port" | "host" | "dataDir">>;

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-test-"));
  // Quiet unless asked for (HEARTH_TEST_LOG=debug): tests assert on answers, not logs.
  const logger: Logger =
    opts.logger ?? createLogger({ level: process.env.HEARTH_TEST_LOG || "silent" });
  let server: HearthServer;
  try {
    server = await createHearthServer({
      api: hearthApi,
      ...opts,
      logger,
      port: 0,
      host: "127.0.0.1",
      dataDir,
      env: { ...process.env, ...opts.env },
    });
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    trpcUrl: `${server.url}/api/trpc`,
    wsUrl: `${server.url.replace(/^http/, "ws")}/api/trpc-ws`,
    dataDir,
    store: server.store,
    server,
    stop() {
      stopped ??= server.close().finally(() => {
        fs.rmSync(dataDir, { recursive: true, force: true });
      });
      return stopped;
    },
  };
}
