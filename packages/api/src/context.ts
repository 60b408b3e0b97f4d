import { join, resolve } from "node:path";
import type { AuthService } from "@hearth/auth";
import type { Plan, Store } from "@hearth/db";
import type { TerminalManager } from "@hearth/runtime";
import { DEFAULT_MAX_COPY_BYTES, DEFAULT_MAX_FILE_BYTES } from "@hearth/runtime";
import { type Repositories, repositoriesFor } from "./lib/repositories";
import { DEFAULT_THROTTLE_RULES, type ThrottleRules } from "./lib/throttle";

/** What the api needs to know about an incoming request; the server builds it. */
export interface RequestMeta {
  ip: string;
  userAgent: string;
  /** The `Authorization` header, e.g. `Bearer <accessToken>`. */
  authorization?: string | undefined;
  /** The raw `Cookie` header. */
  cookie?: string | undefined;
  /** The `Origin` header, checked on cookie-authenticated mutations. */
  origin?: string | undefined;
  /** The `Host` header the request was sent to. */
  host?: string | undefined;
  protocol: "http" | "https";
  /** How the call arrived (default HTTP). A WebSocket can neither set nor clear a cookie. */
  transport?: "http" | "websocket" | undefined;
  /**
   * Bytes the connection has accepted but not yet sent (WebSocket calls): terminal output
   * is held at the shell while a viewer falls behind.
   */
  socketBacklog?: (() => number) | undefined;
}

/** What a procedure may add to the response. */
export interface ResponseMeta {
  /** Appends one `Set-Cookie` header. */
  setCookie(value: string): void;
  setHeader(name: string, value: string): void;
}

export interface ApiConfig {
  /** Root of the tenants' workspace folders: `<workspacesDir>/<tenantId>/<path>`. */
  workspacesDir: string;
  /** Unsaved buffer text one workspace session may hold in total, in bytes. */
  maxSessionBufferBytes: number;
  /** Origins besides the server's own that may send cookie-authenticated mutations. */
  trustedOrigins: readonly string[];
  /** How many sign-in attempts each counter allows per window (lib/throttle.ts). */
  throttle: ThrottleRules;
  /** The plan a new Organization starts on (there is no billing yet). */
  organizationPlan: Plan;
  /** The refresh cookie is `Secure` on every response: people reach Hearth over https. */
  secureCookies: boolean;
  /** Bytes a file may have to be read into or saved from the editor (HEARTH_MAX_FILE_BYTES). */
  maxFileBytes: number;
  /** Bytes of files a fork with copyFiles copies at most (HEARTH_MAX_FORK_COPY_BYTES). */
  maxForkCopyBytes: number;
}

export const DEFAULT_MAX_SESSION_BUFFER_BYTES = 32 * 1024 * 1024;

/** Where the api reports what it cannot tell the caller (pino's call shape). */
export interface ApiLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const consoleLogger: ApiLogger = {
  error: (obj, msg) => console.error(msg, obj),
  warn: (obj, msg) => console.warn(msg, obj),
};

export interface ApiConfigOptions {
  /** Hearth's data directory (`HEARTH_DATA_DIR`). */
  dataDir: string;
  /** `HEARTH_WORKSPACES_DIR`; defaults to `<dataDir>/workspaces`. */
  workspacesDir?: string | undefined;
  maxSessionBufferBytes?: number | undefined;
  trustedOrigins?: readonly string[] | undefined;
  throttle?: Partial<ThrottleRules> | undefined;
  organizationPlan?: Plan | undefined;
  /** True when the public URL is https, even if a proxy talks plain HTTP to the server. */
  secureCookies?: boolean | undefined;
  maxFileBytes?: number | undefined;
  maxForkCopyBytes?: number | undefined;
}

export function createApiConfig(opts: ApiConfigOptions): ApiConfig {
  return {
    workspacesDir: resolve(opts.workspacesDir || join(opts.dataDir, "workspaces")),
    maxSessionBufferBytes: opts.maxSessionBufferBytes ?? DEFAULT_MAX_SESSION_BUFFER_BYTES,
    trustedOrigins: opts.trustedOrigins ?? [],
    throttle: { ...DEFAULT_THROTTLE_RULES, ...opts.throttle },
    organizationPlan: opts.organizationPlan ?? "Starter",
    secureCookies: opts.secureCookies ?? false,
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    maxForkCopyBytes: opts.maxForkCopyBytes ?? DEFAULT_MAX_COPY_BYTES,
  };
}

export interface CreateContextOptions {
  store: Store;
  auth: AuthService;
  /** Defaults to the wall clock; tests move it. */
  clock?: (() => Date) | undefined;
  config: ApiConfig;
  req: RequestMeta;
  res: ResponseMeta;
  log?: ApiLogger | undefined;
  /** The server's terminals; tests of other parts run without. */
  terminals?: TerminalManager | undefined;
}

export interface Context {
  store: Store;
  auth: AuthService;
  repos: Repositories;
  now: () => Date;
  config: ApiConfig;
  req: RequestMeta;
  res: ResponseMeta;
  log: ApiLogger;
  terminals: TerminalManager | undefined;
}

const wallClock = () => new Date();

/**
 * The context of one call, without any Node request object: the HTTP and WebSocket
 * adapters build RequestMeta / ResponseMeta, tests pass them directly.
 */
export function createContextInner(opts: CreateContextOptions): Context {
  return {
    store: opts.store,
    auth: opts.auth,
    repos: repositoriesFor(opts.store),
    now: opts.clock ?? wallClock,
    config: opts.config,
    req: opts.req,
    res: opts.res,
    log: opts.log ?? consoleLogger,
    terminals: opts.terminals,
  };
}
