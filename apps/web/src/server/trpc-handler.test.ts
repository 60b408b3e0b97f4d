import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  type TRPCClientError,
  type TRPCLink,
} from "@trpc/client";
import { initTRPC, TRPCError } from "@trpc/server";
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTRPCNodeHandler, type TRPCNodeHandler } from "./trpc-handler";

// A router shaped like Hearth's: context from request headers, a response-header setter,
// an auth middleware, and an error formatter that flattens zod issues into `data`. This
// formatter also echoes what it was given (type, input, whether a context existed) so the
// comparison covers the formatter's arguments, not only its usual output.
interface Ctx {
  /** What createContext was told about the request, for both paths to be compared. */
  info: unknown;
  authorization: string | undefined;
  setHeader(name: string, value: string | string[]): void;
}

const t = initTRPC.context<Ctx>().create({
  isDev: false,
  errorFormatter({ shape, error, type, input, ctx }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        zodError: error.cause instanceof z.ZodError ? z.flattenError(error.cause) : null,
        seen: { type, input, hasContext: ctx !== undefined },
      },
    };
  },
});

const codes = Object.keys(TRPC_ERROR_CODES_BY_KEY) as TRPC_ERROR_CODE_KEY[];
const ZCode = z.object({ code: z.enum(codes as [TRPC_ERROR_CODE_KEY, ...TRPC_ERROR_CODE_KEY[]]) });

const authed = t.procedure.use(({ ctx, next }) => {
  if (ctx.authorization !== "Bearer good") {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  }
  return next();
});

const router = t.router({
  echo: t.procedure.input(z.object({ text: z.string() })).query(({ input }) => input),
  greet: t.procedure.query(() => "hello"),
  nothing: t.procedure.mutation(() => undefined),
  save: t.procedure
    .input(z.object({ id: z.string(), n: z.number().int() }))
    .mutation(({ input }) => ({ id: input.id, n: input.n + 1, at: "2026-01-01T00:00:00.000Z" })),
  fail: t.procedure.input(ZCode).mutation(({ input }) => {
    throw new TRPCError({ code: input.code, message: `Failed with ${input.code}` });
  }),
  failQuery: t.procedure.input(ZCode).query(({ input }) => {
    throw new TRPCError({ code: input.code, message: `Failed with ${input.code}` });
  }),
  crash: t.procedure.mutation(() => {
    throw new Error("the disk is on fire");
  }),
  secret: authed.input(z.object({ x: z.number() })).mutation(({ input }) => input.x * 2),
  login: t.procedure.input(z.object({ email: z.string() })).mutation(({ ctx, input }) => {
    ctx.setHeader("set-cookie", [
      "hearth_refresh=abc; Path=/api; HttpOnly; SameSite=Lax",
      "other=1; Path=/",
    ]);
    ctx.setHeader("x-hearth-test", "yes");
    return { email: input.email };
  }),
  whatInfo: t.procedure.input(z.object({ x: z.number() }).optional()).query(({ ctx }) => ctx.info),
  whatInfoMutation: t.procedure.input(z.object({ x: z.number() })).mutation(({ ctx }) => ctx.info),
  streamy: t.procedure.query(() => ({ later: Promise.resolve(1) })),
  bigint: t.procedure.query(() => ({ n: 1n })),
  ticks: t.procedure.subscription(async function* () {
    yield 1;
    yield 2;
  }),
});

type TestRouter = typeof router;

interface Served {
  url: string;
  handler: TRPCNodeHandler;
  close(): Promise<void>;
}

async function serve(lean: boolean, maxBodySize = 64 * 1024): Promise<Served> {
  const handler = createTRPCNodeHandler({
    router,
    lean,
    maxBodySize,
    createContext: ({ req, res, info }) => {
      if (req.headers["x-fail-context"]) throw new Error("context failed");
      return {
        info: {
          isBatchCall: info.isBatchCall,
          type: info.type,
          accept: info.accept,
          connectionParams: info.connectionParams,
          calls: info.calls.map((c) => ({ path: c.path, batchIndex: c.batchIndex })),
          url: info.url && `${info.url.pathname}${info.url.search}`,
          aborted: info.signal.aborted,
        },
        authorization: req.headers.authorization,
        setHeader: (name, value) => res.setHeader(name, value),
      };
    },
  });
  const server = http.createServer((req, res) => {
    const prefix = "/api/trpc/";
    const pathname = (req.url ?? "/").split("?", 1)[0]!;
    if (!pathname.startsWith(prefix)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    void handler(req, res, pathname.slice(prefix.length));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/trpc`,
    handler,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

interface Case {
  name: string;
  method?: string;
  path: string;
  query?: Record<string, string>;
  /** Sent exactly as written after the `?` (for unencoded characters). */
  rawQuery?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Whether the lean server should answer it without the official adapter. */
  lean: boolean;
}

const json = { "content-type": "application/json" };
const input = (v: unknown) => ({ input: JSON.stringify(v) });

const cases: Case[] = [
  { name: "query", path: "echo", query: input({ text: "hi ✓" }), lean: true },
  { name: "query without input", path: "echo", lean: true },
  { name: "query with empty input", path: "echo", query: { input: "" }, lean: true },
  { name: "query with bad JSON", path: "echo", query: { input: "{nope" }, lean: true },
  { name: "query failing validation", path: "echo", query: input({ text: 5 }), lean: true },
  { name: "query without an input parser", path: "greet", lean: true },
  { name: "request info of a query", path: "whatInfo", query: input({ x: 1 }), lean: true },
  {
    name: "request info of a mutation",
    method: "POST",
    path: "whatInfoMutation",
    body: JSON.stringify({ x: 1 }),
    headers: json,
    lean: true,
  },
  {
    name: "query with a JSON content type",
    path: "greet",
    headers: { "content-type": "application/json" },
    lean: true,
  },
  {
    name: "query with an encoded path",
    path: "ech%6F",
    query: input({ text: "x" }),
    lean: true,
  },
  { name: "query with a broken path encoding", path: "ech%E0%A4%A", lean: false },
  {
    name: "query with encoded and non-ASCII input",
    path: "echo",
    query: input({ text: 'a b+c%20ü&x=1 "q" 🔥' }),
    lean: true,
  },
  {
    name: "query with unencoded JSON in the URL",
    path: "echo",
    rawQuery: 'input={"text":"raw+plus"}&other=1',
    lean: true,
  },
  {
    name: "query with an input given twice",
    path: "echo",
    rawQuery: "input=%7B%22text%22%3A%22first%22%7D&input=%7B%7D",
    lean: true,
  },
  {
    name: "host header no URL can be made of",
    path: "greet",
    headers: { host: "bad host" },
    lean: false,
  },
  {
    name: "mutation",
    method: "POST",
    path: "save",
    body: '{"id":"a","n":1}',
    headers: json,
    lean: true,
  },
  {
    name: "mutation with content-type parameters",
    method: "POST",
    path: "save",
    body: '{"id":"a","n":1}',
    headers: { "content-type": "Application/JSON; charset=utf-8" },
    lean: true,
  },
  {
    name: "mutation with a byte-order mark",
    method: "POST",
    path: "save",
    body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id":"b","n":2}')]),
    headers: json,
    lean: true,
  },
  {
    name: "mutation with bad JSON",
    method: "POST",
    path: "save",
    body: '{"id":',
    headers: json,
    lean: true,
  },
  {
    name: "mutation with an empty body",
    method: "POST",
    path: "save",
    body: "",
    headers: json,
    lean: true,
  },
  {
    name: "mutation failing validation",
    method: "POST",
    path: "save",
    body: '{"id":3,"n":"x"}',
    headers: json,
    lean: true,
  },
  {
    name: "mutation with null input",
    method: "POST",
    path: "save",
    body: "null",
    headers: json,
    lean: true,
  },
  {
    name: "mutation returning nothing",
    method: "POST",
    path: "nothing",
    body: "{}",
    headers: json,
    lean: true,
  },
  {
    name: "mutation ignoring a bad body it never reads",
    method: "POST",
    path: "nothing",
    body: "{{{",
    headers: json,
    lean: true,
  },
  {
    name: "mutation without a content type",
    method: "POST",
    path: "save",
    body: '{"id":"a","n":1}',
    lean: false,
  },
  {
    name: "mutation with a text content type",
    method: "POST",
    path: "save",
    body: '{"id":"a","n":1}',
    headers: { "content-type": "text/plain" },
    lean: false,
  },
  { name: "GET on a mutation", path: "save", query: input({ id: "a", n: 1 }), lean: false },
  {
    name: "POST on a query",
    method: "POST",
    path: "echo",
    body: '{"text":"hi"}',
    headers: json,
    lean: false,
  },
  { name: "unknown procedure (GET)", path: "nope.missing", lean: false },
  {
    name: "unknown procedure (POST)",
    method: "POST",
    path: "nope",
    body: "{}",
    headers: json,
    lean: false,
  },
  { name: "PUT", method: "PUT", path: "save", body: "{}", headers: json, lean: false },
  { name: "HEAD", method: "HEAD", path: "greet", lean: false },
  {
    name: "an unhandled exception",
    method: "POST",
    path: "crash",
    body: "{}",
    headers: json,
    lean: true,
  },
  {
    name: "middleware refusing before a bad body is read",
    method: "POST",
    path: "secret",
    body: "{oops",
    headers: json,
    lean: true,
  },
  {
    name: "authorized call with a bad body",
    method: "POST",
    path: "secret",
    body: "{oops",
    headers: { ...json, authorization: "Bearer good" },
    lean: true,
  },
  {
    name: "authorized call",
    method: "POST",
    path: "secret",
    body: '{"x":21}',
    headers: { ...json, authorization: "Bearer good" },
    lean: true,
  },
  {
    name: "headers and cookies set by a procedure",
    method: "POST",
    path: "login",
    body: '{"email":"a@b.c"}',
    headers: json,
    lean: true,
  },
  {
    name: "failing context",
    method: "POST",
    path: "save",
    body: '{"id":"a","n":1}',
    headers: { ...json, "x-fail-context": "1" },
    lean: true,
  },
  { name: "stream-like result without a streaming link", path: "streamy", lean: true },
  { name: "result that cannot be serialized", path: "bigint", lean: true },
  {
    name: "batch of queries",
    path: "echo,greet",
    query: { batch: "1", input: JSON.stringify({ 0: { text: "a" } }) },
    lean: false,
  },
  {
    name: "batch of mutations",
    method: "POST",
    path: "save,fail",
    query: { batch: "1" },
    body: JSON.stringify({ 0: { id: "x", n: 1 }, 1: { code: "CONFLICT" } }),
    headers: json,
    lean: false,
  },
  {
    name: "non-batch flag",
    method: "POST",
    path: "save",
    query: { batch: "0" },
    body: '{"id":"a","n":1}',
    headers: json,
    lean: true,
  },
  { name: "subscription over server-sent events", path: "ticks", lean: false },
  {
    name: "streamed batch (httpBatchStreamLink)",
    path: "echo,greet",
    query: { batch: "1", input: JSON.stringify({ 0: { text: "a" } }) },
    headers: { "trpc-accept": "application/jsonl" },
    lean: false,
  },
  {
    name: "jsonl accept header on a single call",
    path: "greet",
    headers: { "trpc-accept": "application/jsonl" },
    lean: false,
  },
  ...codes.flatMap((code): Case[] => [
    {
      name: `mutation error ${code}`,
      method: "POST",
      path: "fail",
      body: JSON.stringify({ code }),
      headers: json,
      lean: true,
    },
    { name: `query error ${code}`, path: "failQuery", query: input({ code }), lean: true },
  ]),
];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function request(base: string, c: Case): Promise<Answer> {
  const url = new URL(`${base}/${c.path}`);
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const path =
    c.rawQuery === undefined ? url.pathname + url.search : `${url.pathname}?${c.rawQuery}`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: c.method ?? "GET",
        headers: c.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(c.body);
  });
}

/** What a client can notice: status, the headers that carry meaning, the exact body. */
function noticeable(a: Answer) {
  return {
    status: a.status,
    contentType: a.headers["content-type"],
    vary: a.headers.vary,
    setCookie: a.headers["set-cookie"],
    custom: a.headers["x-hearth-test"],
    body: a.body,
  };
}

describe("lean tRPC adapter", () => {
  let official: Served;
  let lean: Served;

  beforeAll(async () => {
    official = await serve(false);
    lean = await serve(true);
  });
  afterAll(async () => {
    await official?.close();
    await lean?.close();
  });

  it("covers every tRPC error code", () => {
    expect(codes).toHaveLength(21);
  });

  for (const c of cases) {
    it(`answers like the official adapter: ${c.name}`, async () => {
      const before = { ...lean.handler.served };
      const expected = await request(official.url, c);
      const actual = await request(lean.url, c);
      expect(noticeable(actual)).toEqual(noticeable(expected));
      const servedLean = lean.handler.served.lean - before.lean;
      const servedOfficial = lean.handler.served.official - before.official;
      expect({ servedLean, servedOfficial }).toEqual(
        c.lean ? { servedLean: 1, servedOfficial: 0 } : { servedLean: 0, servedOfficial: 1 },
      );
    });
  }

  it("answers the error shapes the formatter makes, with the status of each code", async () => {
    const answer = await request(lean.url, {
      name: "",
      method: "POST",
      path: "save",
      body: '{"id":3,"n":1.5}',
      headers: json,
      lean: true,
    });
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.body);
    expect(body.error.data.code).toBe("BAD_REQUEST");
    expect(body.error.data.path).toBe("save");
    expect(Object.keys(body.error.data.zodError.fieldErrors).sort()).toEqual(["id", "n"]);

    const conflict = await request(lean.url, {
      name: "",
      path: "failQuery",
      query: input({ code: "CONFLICT" }),
      lean: true,
    });
    expect(conflict.status).toBe(409);
    expect(JSON.parse(conflict.body).error).toMatchObject({
      message: "Failed with CONFLICT",
      code: -32009,
      data: { code: "CONFLICT", httpStatus: 409, path: "failQuery" },
    });
  });

  it("refuses a body over the limit with PAYLOAD_TOO_LARGE on both paths", async () => {
    const small = await serve(true, 1000);
    const smallOfficial = await serve(false, 1000);
    try {
      const big = JSON.stringify({ id: "x".repeat(5000), n: 1 });
      for (const target of [small, smallOfficial]) {
        // Announced by Content-Length: refused before any of it is read.
        const declared = await request(target.url, {
          name: "",
          method: "POST",
          path: "save",
          body: big,
          headers: json,
          lean: true,
        });
        expect(declared.status).toBe(413);
        expect(JSON.parse(declared.body).error.data.code).toBe("PAYLOAD_TOO_LARGE");
        // Sent in chunks with no length given: refused once the limit is passed.
        const chunked = await request(target.url, {
          name: "",
          method: "POST",
          path: "save",
          body: big,
          headers: { ...json, "transfer-encoding": "chunked" },
          lean: true,
        });
        expect(chunked.status).toBe(413);
        expect(JSON.parse(chunked.body).error.data.code).toBe("PAYLOAD_TOO_LARGE");
        // A batch, which always takes the official adapter, is held to the same limit.
        const batch = await request(target.url, {
          name: "",
          method: "POST",
          path: "save,save",
          query: { batch: "1" },
          body: JSON.stringify({ 0: { id: "a", n: 1 }, 1: { id: "x".repeat(5000), n: 1 } }),
          headers: { ...json, "transfer-encoding": "chunked" },
          lean: false,
        });
        expect(batch.status).toBe(413);
        expect(batch.headers.connection).toBe("close");
        expect(JSON.parse(batch.body).error.data.code).toBe("PAYLOAD_TOO_LARGE");
      }
    } finally {
      await small.close();
      await smallOfficial.close();
    }
  });

  describe("through @trpc/client", () => {
    type Link = (url: string) => TRPCLink<TestRouter>;
    const links: [string, Link][] = [
      ["httpLink", (url) => httpLink({ url })],
      ["httpBatchLink", (url) => httpBatchLink({ url })],
    ];

    async function outcome<T>(p: Promise<T>) {
      try {
        return { ok: await p };
      } catch (err) {
        const e = err as TRPCClientError<TestRouter>;
        return { message: e.message, shape: e.shape, data: e.data };
      }
    }

    for (const [name, link] of links) {
      it(`gives the same results and errors over ${name}`, async () => {
        const run = async (url: string) => {
          const client = createTRPCClient<TestRouter>({ links: [link(url)] });
          // Issued together, so httpBatchLink sends them as one batch.
          return Promise.all([
            outcome(client.echo.query({ text: "hé" })),
            outcome(client.greet.query()),
            outcome(client.save.mutate({ id: "a", n: 41 })),
            outcome(client.save.mutate({ id: "a", n: 0.5 })),
            outcome(client.fail.mutate({ code: "TOO_MANY_REQUESTS" })),
            outcome(client.failQuery.query({ code: "NOT_FOUND" })),
            outcome(client.crash.mutate()),
            outcome(client.secret.mutate({ x: 1 })),
            outcome(client.nothing.mutate()),
          ]);
        };
        const expected = await run(official.url);
        const before = lean.handler.served.lean;
        const actual = await run(lean.url);
        expect(actual).toEqual(expected);
        expect(actual[2]).toEqual({ ok: { id: "a", n: 42, at: "2026-01-01T00:00:00.000Z" } });
        expect(actual[5]).toMatchObject({ data: { code: "NOT_FOUND", httpStatus: 404 } });
        // httpLink's single calls take the lean path; httpBatchLink's batches do not.
        expect(lean.handler.served.lean - before).toBe(name === "httpLink" ? 9 : 0);
      });
    }
  });
});
