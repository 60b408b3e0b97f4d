/**
 * Test support for the api suites over real HTTP: a browser-like client (access token,
 * refresh cookie jar, Origin), a loopback SMTP listener, and tokens signed with the
 * server's own key for tampering tests.
 */
import { createHmac } from "node:crypto";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type AppRouter, createHearthApi } from "@hearth/api";
import { createAuthService } from "@hearth/auth";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { SMTPServer } from "smtp-server";
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

export interface ReceivedMail {
  to: string[];
  raw: string;
  /** The body with quoted-printable soft breaks and escapes undone. */
  text: string;
}

export interface SmtpListener {
  url: string;
  mails: ReceivedMail[];
  /** The token of the newest link to `path` mailed to `to` (waits for it to arrive). */
  tokenFor(to: string, path: string): Promise<string>;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that keeps what it receives. */
export async function startSmtpListener(): Promise<SmtpListener> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const text = raw
          .replace(/=\r?\n/g, "")
          .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), raw, text });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async tokenFor(to, linkPath) {
      for (let i = 0; i < 200; i++) {
        const mail = [...mails]
          .reverse()
          .find((m) => m.to.includes(to.toLowerCase()) && m.text.includes(linkPath));
        const token =
          mail && new RegExp(`${linkPath}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text)?.[1];
        if (token) return token;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no ${linkPath} mail reached ${to}`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

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
export function hearthApiWith(opts: { clock: () => Date; smtpUrl?: string }): ServerApiFactory {
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
    return createHearthApi({ store, dataDir, env: apiEnv, logger, auth, clock: opts.clock });
  };
}

export async function startApiServer(opts: { clock: () => Date; smtpUrl?: string }) {
  return startTestServer({ api: hearthApiWith(opts) });
}

function b64url(value: object | Buffer): string {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
  return buf.toString("base64url");
}

/** A JWT with any header and claims, HS256-signed with `key` (or unsigned). */
export function signJwt(header: object, claims: object, key: Buffer | null): string {
  const head = `${b64url(header)}.${b64url(claims)}`;
  const sig = key ? createHmac("sha256", key).update(head).digest() : Buffer.alloc(0);
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
