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
import { startForkSweeper } from "./lib/fork-sweeper";
import { repositoriesFor } from "./lib/repositories";
import { createTerminalManager } from "./lib/terminals";
import { DEFAULT_THROTTLE_RULES, type ThrottleRules } from "./lib/throttle";
import { type AppRouter, appRouter } from "./routers/_app";

export interface HearthApiOptions {
  store: Store;
  /** `HEARTH_DATA_DIR`: the JWT key and (by default) the workspaces live there. */
  dataDir: string;
  /**
   * Reads HEARTH_WORKSPACES_DIR, HEARTH_PUBLIC_URL, HEARTH_MAX_SESSION_BUFFER_BYTES,
   * HEARTH_MAX_FILE_BYTES, HEARTH_MAX_FORK_COPY_BYTES,
   * HEARTH_TRUSTED_ORIGINS (comma-separated), HEARTH_MAX_REGISTRATIONS_PER_IP,
   * HEARTH_DEV_MAIL_LOG, and what @hearth/auth reads (HEARTH_JWT_SECRET, HEARTH_SMTP_URL,
   * HEARTH_MAIL_FROM). Defaults to process.env.
   */
  env?: NodeJS.ProcessEnv | undefined;
  logger?: (ApiLogger & { info(obj: object, msg: string): void }) | undefined;
  /** Instead of one made from the environment (tests give one with a test clock). */
  auth?: AuthService | undefined;
  config?: Partial<Omit<ApiConfigOptions, "dataDir">> | undefined;
  clock?: (() => Date) | undefined;
  /**
   * Where the server listens (default `HOST`, else 127.0.0.1). Without SMTP, mail and its
   * links are logged only on loopback or with HEARTH_DEV_MAIL_LOG=1; elsewhere mail is off.
   */
  listenHost?: string | undefined;
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

/** An address only this machine can reach: its log is the developer's own. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
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
    // Behind a proxy that ends TLS the server sees plain HTTP; the cookie is Secure anyway.
    secureCookies: publicBaseUrl.startsWith("https:"),
    ...opts.config,
    throttle: { ...registrationLimit(env), ...opts.config?.throttle },
  });
  const logMail =
    env.HEARTH_DEV_MAIL_LOG === "1" || isLoopbackHost(opts.listenHost ?? (env.HOST || "127.0.0.1"));
  const auth =
    opts.auth ??
    (await createAuthService({
      store: opts.store,
      dataDir: opts.dataDir,
      env,
      publicBaseUrl,
      clock: opts.clock,
      // Without SMTP the links are logged where the log is the developer's own, so they
      // can still follow them; anywhere else anyone could push a live link into the log.
      mailLog: logMail
        ? (line) => (log ? log.info({ mail: line }, "mail not sent (no SMTP)") : console.log(line))
        : undefined,
      ...(log ? { onBackgroundError: (err, what) => log.error({ err }, `${what} failed`) } : {}),
    }));
  const terminals = createTerminalManager(opts.store, env, log);
  const stopForkSweeper = startForkSweeper(repositoriesFor(opts.store), log);
  if (auth.mailer.kind === "off") {
    (log ?? consoleWarn).warn(
      {},
      "mail is off: no HEARTH_SMTP_URL, and the server does not listen on loopback (HEARTH_DEV_MAIL_LOG=1 logs mail instead); password resets and verification links are refused",
    );
  }
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
      stopForkSweeper();
      await terminals.close();
      await auth.drain();
    },
  };
}

const consoleWarn = { warn: (obj: object, msg: string) => console.warn(msg, obj) };

/** `HEARTH_MAX_REGISTRATIONS_PER_IP`: accounts one IP may make per hour. */
function registrationLimit(env: NodeJS.ProcessEnv): Partial<ThrottleRules> {
  const max = positiveInt(env, "HEARTH_MAX_REGISTRATIONS_PER_IP");
  return max === undefined
    ? {}
    : { registerPerIp: { ...DEFAULT_THROTTLE_RULES.registerPerIp, max } };
}
