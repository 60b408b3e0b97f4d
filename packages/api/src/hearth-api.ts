import { type AuthService, createAuthService } from "@hearth/auth";
import type { Store } from "@hearth/db";
import type { TerminalManager } from "@hearth/runtime";
import {
  type ApiConfig,
  type ApiConfigOptions,
  type ApiLogger,
  type Context,
  createApiConfig,
  createContextInner,
  type RequestMeta,
  type ResponseMeta,
} from "./context";
import { createTerminalManager } from "./lib/terminals";
import { type AppRouter, appRouter } from "./routers/_app";

export interface HearthApiOptions {
  store: Store;
  /** `HEARTH_DATA_DIR`: the JWT key and (by default) the workspaces live there. */
  dataDir: string;
  /**
   * Reads HEARTH_WORKSPACES_DIR, HEARTH_PUBLIC_URL, HEARTH_MAX_SESSION_BUFFER_BYTES,
   * HEARTH_MAX_FILE_BYTES, HEARTH_MAX_FORK_COPY_BYTES,
   * HEARTH_TRUSTED_ORIGINS (comma-separated), and what @hearth/auth reads
   * (HEARTH_JWT_SECRET, HEARTH_SMTP_URL, HEARTH_MAIL_FROM). Defaults to process.env.
   */
  env?: NodeJS.ProcessEnv | undefined;
  logger?: (ApiLogger & { info(obj: object, msg: string): void }) | undefined;
  /** Instead of one made from the environment (tests give one with a test clock). */
  auth?: AuthService | undefined;
  config?: Partial<Omit<ApiConfigOptions, "dataDir">> | undefined;
  clock?: (() => Date) | undefined;
}

/** The api as the server mounts it: the router and how to build one call's context. */
export interface HearthApi {
  router: AppRouter;
  createContext(meta: { req: RequestMeta; res: ResponseMeta }): Context;
  auth: AuthService;
  config: ApiConfig;
  /** The terminals this server runs; closing the api saves and stops them. */
  terminals: TerminalManager;
  /** Waits for mail and other work started after answers. The store stays open. */
  close(): Promise<void>;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number.`);
  return n;
}

export async function createHearthApi(opts: HearthApiOptions): Promise<HearthApi> {
  const env = opts.env ?? process.env;
  const log = opts.logger;
  const publicBaseUrl =
    env.HEARTH_PUBLIC_URL || `http://${env.HOST || "127.0.0.1"}:${env.PORT || "3000"}`;
  const trusted = (env.HEARTH_TRUSTED_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  // Pages are served from the public URL, so its origin may use the refresh cookie even
  // when a proxy in front changes the Host header.
  if (env.HEARTH_PUBLIC_URL) trusted.push(new URL(env.HEARTH_PUBLIC_URL).origin);
  const config = createApiConfig({
    dataDir: opts.dataDir,
    workspacesDir: env.HEARTH_WORKSPACES_DIR,
    maxSessionBufferBytes: positiveInt(env, "HEARTH_MAX_SESSION_BUFFER_BYTES"),
    maxFileBytes: positiveInt(env, "HEARTH_MAX_FILE_BYTES"),
    maxForkCopyBytes: positiveInt(env, "HEARTH_MAX_FORK_COPY_BYTES"),
    trustedOrigins: trusted,
    ...opts.config,
  });
  const auth =
    opts.auth ??
    (await createAuthService({
      store: opts.store,
      dataDir: opts.dataDir,
      env,
      publicBaseUrl,
      clock: opts.clock,
      // Without SMTP the links are logged, so a local user can still follow them.
      mailLog: (line) =>
        log ? log.info({ mail: line }, "mail not sent (no SMTP)") : console.log(line),
      ...(log ? { onBackgroundError: (err, what) => log.error({ err }, `${what} failed`) } : {}),
    }));
  const terminals = createTerminalManager(opts.store, env, log);
  return {
    router: appRouter,
    terminals,
    auth,
    config,
    createContext: ({ req, res }) =>
      createContextInner({
        store: opts.store,
        auth,
        config,
        req,
        res,
        clock: opts.clock,
        log,
        terminals,
      }),
    close: async () => {
      await terminals.close();
      await auth.drain();
    },
  };
}
