/**
 * `pnpm start` / `pnpm dev`: the Hearth server, configured from the environment
 * (PORT, HOST, HEARTH_DATA_DIR, HEARTH_STORE, FDB_CLUSTER_FILE, ... — see API.md).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serverConfigFromEnv } from "./config";
import { hearthApi } from "./hearth-api";
import { createLogger, stdoutDestination } from "./logger";
import { createHearthServer } from "./server";
import {
  createWebApp,
  findWebDir,
  hasProductionBuild,
  routeConsoleToLogger,
  type WebApp,
} from "./web-app";

const stdout = stdoutDestination();
const flush = () => {
  try {
    stdout.flushSync();
  } catch {
    // Nothing buffered, or stdout already gone.
  }
};

async function main(): Promise<void> {
  let config: ReturnType<typeof serverConfigFromEnv>;
  try {
    config = serverConfigFromEnv();
  } catch (err) {
    process.stderr.write(`hearth: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, destination: stdout });
  const web = startWebApp(config, logger);
  let server: Awaited<ReturnType<typeof createHearthServer>>;
  try {
    server = await createHearthServer({
      ...config,
      api: hearthApi,
      logger,
      ...(web ? { fallback: web.request, fallbackUpgrade: web.upgrade } : {}),
    });
  } catch (err) {
    logger.fatal({ err }, "could not start");
    flush();
    process.exit(1);
  }
  // The one plain line people and scripts wait for, on the same stream as the JSON logs
  // so the two never interleave.
  stdout.write(`hearth listening on ${server.url}\n`);
  // Out now, not with the next block; after any write already under way, in order.
  stdout.flush();

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without waiting");
      flush();
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping");
    Promise.all([server.close(), web?.close()]).then(
      () => {
        flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        flush();
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/**
 * The web app beside the API: Next's dev server under `pnpm dev` (NODE_ENV=development),
 * else the production build in apps/web/.next. Without a build the API still serves.
 */
function startWebApp(
  config: ReturnType<typeof serverConfigFromEnv>,
  logger: ReturnType<typeof createLogger>,
): WebApp | null {
  const dir = findWebDir(path.dirname(fileURLToPath(import.meta.url)));
  const dev = process.env.NODE_ENV === "development";
  if (!dev && !hasProductionBuild(dir)) {
    logger.warn({ dir }, "no web app build (next build); serving the API only");
    return null;
  }
  routeConsoleToLogger(logger);
  return createWebApp({
    dir,
    dev,
    hostname: config.host,
    ...(config.port ? { port: config.port } : {}),
    logger,
  });
}

await main();
