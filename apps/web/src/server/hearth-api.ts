import { createHearthApi } from "@hearth/api";
import type { ServerApiFactory } from "./server";

/** Hearth's own API (packages/api) as the server mounts it. */
export const hearthApi: ServerApiFactory = ({ store, dataDir, logger, env, publicUrl, host }) =>
  createHearthApi({
    store,
    dataDir,
    logger,
    listenHost: host,
    // The server knows its URL only once the port is bound (PORT=0 picks one).
    env: { ...env, HEARTH_PUBLIC_URL: publicUrl },
  });
