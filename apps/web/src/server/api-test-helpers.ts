/**
 * Test support for the api suites over real HTTP: a browser-like client (access token,
 * refresh cookie jar, Origin), a loopback SMTP listener, and tokens signed with the
 * server's own key for tampering tests.
 */
import { createHmac } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { type AppRouter, createHearthApi, type HearthApi } from "@hearth/api";
import { createAuthService } from "@hearth/auth";
import { startTestSmtpServer, type TestSmtpServer } from "@hearth/auth/testing";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { expect } from "vitest";
import type { ServerApiFactory } from "./server";
import { startTestServer, type TestServer } from "./testing";

export const REFRESH_COOKIE = "hearth_refresh";

export interface Browser {
  token: string | null;
  cookie: string | null;
  /** Origin header to send; undefined sends the server's own, null sends none. */
  origin?: string | null;
  userAgent?: string;
}

export function browser(): Browser {
  return { token: null, cookie: null };
}

/** A typed tRPC client over HTTP that behaves like a browser tab. */
export function clientFor(ts: TestServer, b: Browser) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: ts.trpcUrl,
        headers() {
          const h: Record<string, string> = {};
          if (b.token) h.authorization = `Bearer ${b.token}`;
          if (b.cookie) h.cookie = `${REFRESH_COOKIE}=${b.cookie}`;
          if (b.origin !== null) h.origin = b.origin ?? ts.url;
          if (b.userAgent) h["user-agent"] = b.userAgent;
          return h;
        },
        fetch: async (url, init) => {
          const res = await fetch(url, init as RequestInit);
          applySetCookies(b, res.headers.getSetCookie());
          return res;
        },
      }),
    ],
  });
}

export function applySetCookies(b: Browser, setCookies: string[]): void {
  for (const line of setCookies) {
    const [pair, ...attrs] = line.split(";");
    const eq = pair!.indexOf("=");
    if (pair!.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const value = pair!.slice(eq + 1).trim();
    const expired = attrs.some((a) => a.trim().toLowerCase() === "max-age=0");
    b.cookie = expired || value === "" ? null : value;
  }
}

/**
 * Registers a user over HTTP from browser `b` (a fresh one unless given), which then holds
 * their access token and refresh cookie; returns it, a client for it and the answer.
 */
export async function register(
  ts: TestServer,
  user: { email: string; password: string; firstName: string; lastName: string },
  b: Browser = browser(),
) {
  const api = clientFor(ts, b);
  const res = await api.auth.register.mutate(user);
  b.token = res.accessToken;
  return { b, api, res };
}

/** The tRPC code of a failed call. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCClientError) return String(err.data?.code);
    throw err;
  }
  return "OK";
}

export async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  expect(await codeOf(p)).toBe(code);
}

/** Every key and value in the store, to prove a refused call changed nothing. */
export async function snapshot(ts: TestServer): Promise<string> {
  const rows = await ts.store.transact((tx) =>
    tx.getRange(Buffer.alloc(0), Buffer.from([0xff, 0xff])),
  );
  return rows.map((r) => `${r.key.toString("hex")}=${r.value.toString("hex")}`).join("\n");
}

/** A real SMTP server on loopback that keeps what it receives (shared with packages/auth). */
export const startSmtpListener = startTestSmtpServer;
export type SmtpListener = TestSmtpServer;

/** A clock the test moves: the server's auth flows and tokens read it. */
export function testClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(ms: number) {
      offsetMs += ms;
    },
  };
}

/**
 * Hearth's API with a test clock and (optionally) mail to an SMTP listener: everything
 * else exactly as the server runs it.
 */
export function hearthApiWith(opts: {
  clock: () => Date;
  smtpUrl?: string;
  /** Receives the API once it is built (to wait for its mail with `auth.drain()`). */
  onReady?: (api: HearthApi) => void;
}): ServerApiFactory {
  return async ({ store, dataDir, logger, env, publicUrl }) => {
    const apiEnv = {
      ...env,
      HEARTH_PUBLIC_URL: publicUrl,
      ...(opts.smtpUrl ? { HEARTH_SMTP_URL: opts.smtpUrl } : {}),
    };
    const auth = await createAuthService({
      store,
      dataDir,
      env: apiEnv,
      publicBaseUrl: publicUrl,
      clock: opts.clock,
      mailLog: () => {},
    });
    const api = await createHearthApi({
      store,
      dataDir,
      env: apiEnv,
      logger,
      auth,
      clock: opts.clock,
    });
    opts.onReady?.(api);
    return api;
  };
}

/**
 * A started server running Hearth's API with a test clock; `trustProxy` says how many
 * proxies it believes are in front (tests then pick client IPs with X-Forwarded-For).
 */
export async function startApiServer(opts: {
  clock: () => Date;
  smtpUrl?: string;
  trustProxy?: number;
  env?: NodeJS.ProcessEnv;
}): Promise<TestServer & { api: HearthApi }> {
  let api: HearthApi | undefined;
  const ts = await startTestServer({
    api: hearthApiWith({ ...opts, onReady: (a) => (api = a) }),
    ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  return Object.assign(ts, { api: api! });
}

function b64url(value: object | Buffer): string {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
  return buf.toString("base64url");
}

const HMAC_OF_ALG: Record<string, string> = { HS256: "sha256", HS384: "sha384", HS512: "sha512" };

/**
 * A JWT with any header and claims, signed with `key` by the HMAC its `alg` names (HS256
 * for any other), or unsigned without a key.
 */
export function signJwt(
  header: Record<string, unknown>,
  claims: object,
  key: Buffer | null,
): string {
  const head = `${b64url(header)}.${b64url(claims)}`;
  const hmac = HMAC_OF_ALG[String(header.alg)] ?? "sha256";
  const sig = key ? createHmac(hmac, key).update(head).digest() : Buffer.alloc(0);
  return `${head}.${b64url(sig)}`;
}

/** The server's signing key, as generated in its data directory. */
export function serverKey(ts: TestServer): Buffer {
  const text = fs.readFileSync(path.join(ts.dataDir, "jwt.key"), "utf8").trim();
  return Buffer.from(text, "base64url");
}

export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
} {
  const [h, c] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(h!, "base64url").toString("utf8")),
    claims: JSON.parse(Buffer.from(c!, "base64url").toString("utf8")),
  };
}
