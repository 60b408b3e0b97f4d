/** Test fixtures: a real in-memory store, a real AuthService, callers with cookie jars. */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AuthService,
  createAccessTokenSigner,
  createLogMailer,
  REFRESH_COOKIE_NAME,
} from "@hearth/auth";
import {
  checkConsistency,
  openSqliteStore,
  type Repositories,
  type Role,
  type SqliteStore,
} from "@hearth/db";
import { getTRPCErrorShape, TRPCError } from "@trpc/server";
import { afterEach, beforeEach, expect } from "vitest";
import {
  type ApiConfig,
  type ApiConfigOptions,
  createApiConfig,
  createContextInner,
} from "../context";
import { repositoriesFor } from "../lib/repositories";
import { appRouter } from "../routers/_app";

export const ORIGIN = "http://hearth.test";

export interface ClientOptions {
  ip?: string;
  userAgent?: string;
  /** Sent as Origin; null sends none. */
  origin?: string | null;
}

/** One browser: its access token, its cookie jar, where it connects from. */
export class TestClient {
  accessToken: string | null = null;
  readonly cookies = new Map<string, string>();
  readonly headers = new Map<string, string>();
  ip: string;
  userAgent: string;
  origin: string | null;

  constructor(
    private readonly harness: Harness,
    opts: ClientOptions = {},
  ) {
    this.ip = opts.ip ?? "203.0.113.7";
    this.userAgent = opts.userAgent ?? "vitest-browser/1.0";
    this.origin = opts.origin === undefined ? ORIGIN : opts.origin;
  }

  get refreshCookie(): string | undefined {
    return this.cookies.get(REFRESH_COOKIE_NAME);
  }

  /** A tRPC caller whose context carries this client's headers and updates its jar. */
  async api() {
    const h = this.harness;
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const ctx = await createContextInner({
      store: h.store,
      auth: h.auth,
      clock: h.clock,
      config: h.config,
      log: h.log,
      req: {
        ip: this.ip,
        userAgent: this.userAgent,
        authorization: this.accessToken ? `Bearer ${this.accessToken}` : undefined,
        cookie: cookie || undefined,
        origin: this.origin ?? undefined,
        host: new URL(ORIGIN).host,
        protocol: "http",
      },
      res: {
        setCookie: (value) => {
          const [pair, ...attrs] = value.split(";");
          const eq = pair!.indexOf("=");
          const name = pair!.slice(0, eq).trim();
          const v = pair!.slice(eq + 1).trim();
          if (attrs.some((a) => a.trim().toLowerCase() === "max-age=0") || v === "") {
            this.cookies.delete(name);
          } else {
            this.cookies.set(name, v);
          }
        },
        setHeader: (name, value) => {
          this.headers.set(name.toLowerCase(), value);
        },
      },
    });
    return appRouter.createCaller(ctx);
  }
}

export interface Harness {
  store: SqliteStore;
  repos: Repositories;
  auth: AuthService;
  config: ApiConfig;
  clock: () => Date;
  /** Moves the test clock forward. */
  advance(ms: number): void;
  mails: string[];
  log: { error: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void };
  loggedErrors: string[];
  client(opts?: ClientOptions): TestClient;
  /** Registers a user through the api; the client holds their tokens. */
  register(
    overrides?: Partial<{ email: string; password: string; firstName: string; lastName: string }>,
    opts?: ClientOptions,
  ): Promise<SignedInClient>;
  close(): Promise<void>;
}

export interface SignedInClient {
  client: TestClient;
  userId: string;
  tenantId: string;
  email: string;
  password: string;
}

let seq = 0;

export async function createHarness(
  configOverrides: Partial<Omit<ApiConfigOptions, "dataDir">> = {},
): Promise<Harness> {
  const store = openSqliteStore({ filename: ":memory:" });
  let nowMs = Date.now();
  const clock = () => new Date(nowMs);
  const signer = await createAccessTokenSigner({ secret: randomBytes(32), now: clock });
  const mails: string[] = [];
  const loggedErrors: string[] = [];
  const auth = new AuthService({
    store,
    signer,
    mailer: createLogMailer((line) => mails.push(line)),
    publicBaseUrl: ORIGIN,
    clock,
    onBackgroundError: (err, what) => loggedErrors.push(`${what}: ${String(err)}`),
  });
  const dataDir = await mkdtemp(join(tmpdir(), "hearth-api-test-"));
  const config = createApiConfig({ dataDir, ...configOverrides });
  const log = {
    error: (obj: object, msg: string) => loggedErrors.push(`${msg} ${JSON.stringify(obj)}`),
    warn: (obj: object, msg: string) => loggedErrors.push(`${msg} ${JSON.stringify(obj)}`),
  };
  const h: Harness = {
    store,
    repos: repositoriesFor(store),
    auth,
    config,
    clock,
    advance(ms) {
      nowMs += ms;
    },
    mails,
    log,
    loggedErrors,
    client: (opts) => new TestClient(h, opts),
    async register(overrides = {}, opts) {
      seq++;
      const client = new TestClient(h, opts);
      const email = overrides.email ?? `user${seq}-${randomBytes(3).toString("hex")}@example.com`;
      const password = overrides.password ?? "correct horse battery";
      const res = await (await client.api()).auth.register({
        email,
        password,
        firstName: overrides.firstName ?? "Ada",
        lastName: overrides.lastName ?? "Lovelace",
      });
      client.accessToken = res.accessToken;
      return { client, userId: res.user.id, tenantId: res.tenant.id, email, password };
    },
    async close() {
      await auth.drain();
      const problems = await checkConsistency(store);
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
      expect(problems).toEqual([]);
    },
  };
  return h;
}

export interface HarnessContext {
  h: Harness;
  /** A user registered through the api before each test, signed in to their own tenant. */
  ada: SignedInClient;
}

/**
 * A fresh harness before each test, with Ada registered (`ada` overrides her details),
 * and after it the harness closed, which checks the store's consistency. Read the
 * context's fields inside tests and hooks: they change with every test.
 */
export function useHarness(
  opts: {
    config?: Partial<Omit<ApiConfigOptions, "dataDir">>;
    ada?: Parameters<Harness["register"]>[0];
  } = {},
): HarnessContext {
  const ctx = {} as HarnessContext;
  beforeEach(async () => {
    ctx.h = await createHarness(opts.config);
    ctx.ada = await ctx.h.register(opts.ada);
  });
  afterEach(async () => {
    await ctx.h.close();
  });
  return ctx;
}

/** Signs `member` in to `tenantId` (their client then acts there). */
export async function switchTo(member: SignedInClient, tenantId: string) {
  const res = await (await member.client.api()).tenant.switch({ tenantId });
  member.client.accessToken = res.accessToken;
  return res;
}

/** The token of the newest mailed link to `email` whose URL has `path` (/verify-email…). */
export async function mailedToken(h: Harness, email: string, path: string): Promise<string> {
  await h.auth.drain();
  const mail = [...h.mails].reverse().find((m) => m.includes(email) && m.includes(path));
  const token = mail && /token=([A-Za-z0-9_-]+)/.exec(mail)?.[1];
  if (!token) throw new Error(`no ${path} mail to ${email}`);
  return token;
}

/** Confirms the user's email with the link they were mailed at registration. */
export async function verifyEmailOf(h: Harness, user: SignedInClient): Promise<void> {
  const token = await mailedToken(h, user.email, "/verify-email");
  await (await user.client.api()).auth.verifyEmail({ token });
}

/**
 * A user newly registered who confirmed their email, was invited by `admin` into the
 * tenant the admin acts in (their own) with `role`, accepted, and is signed in there.
 */
export async function registerMember(
  h: Harness,
  admin: SignedInClient,
  role: Role,
  overrides?: Parameters<Harness["register"]>[0],
): Promise<SignedInClient> {
  const member = await h.register(overrides);
  await verifyEmailOf(h, member);
  const { id } = await (await admin.client.api()).tenant.invite({ email: member.email, role });
  await (await member.client.api()).auth.acceptInvitation({ id });
  await switchTo(member, admin.tenantId);
  return member;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function trpcErrorOf(p: Promise<unknown>): Promise<TRPCError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

/** The error as a client would receive it (the formatter's shape). */
export function shapeOf(err: TRPCError, path = "test") {
  return getTRPCErrorShape({
    config: appRouter._def._config,
    error: err,
    type: "mutation",
    path,
    input: undefined,
    ctx: undefined,
  });
}

/** Rejects with this tRPC code. */
export async function expectCode(p: Promise<unknown>, code: TRPCError["code"]): Promise<TRPCError> {
  const err = await trpcErrorOf(p);
  expect(err.code, err.message).toBe(code);
  return err;
}

/** Makes the tenant's plan roomy (registration starts on Free: 1 member, 5 workspaces). */
export async function setPlan(
  h: Harness,
  tenantId: string,
  plan: "Free" | "Starter" | "Pro" | "Enterprise",
): Promise<void> {
  await h.repos.tenants.update(tenantId, { plan });
}
