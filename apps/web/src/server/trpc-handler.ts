/**
 * tRPC over node:http with a lean path for the common case.
 *
 * tRPC's own Node adapter turns every request into a fetch `Request`, resolves it into a
 * `Response` and streams that back, which costs far more than the procedures themselves
 * (≈ 3k req/s against ≈ 35k for bare node:http here). A plain, single JSON query
 * (`GET ?input=`) or mutation (`POST` JSON body) needs none of that, so it is served here
 * by calling the procedure directly and answering with tRPC's own error shapes, status
 * codes and headers. Everything else — batches, streaming, subscriptions, unknown paths,
 * wrong methods, other content types — goes to the official adapter, which therefore
 * decides every case this file does not have to.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  type inferRouterContext,
  TRPCError,
  type TRPCError as TRPCErrorType,
  transformTRPCResponse,
} from "@trpc/server";
import { createURL, nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import { getHTTPStatusCode, type HTTPErrorHandler, type TRPCRequestInfo } from "@trpc/server/http";
import { callProcedure, isObject } from "./call-procedure";

export interface TRPCCreateContextOptions {
  req: IncomingMessage;
  res: ServerResponse;
  info: TRPCRequestInfo;
}

export interface TRPCNodeHandlerOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  createContext: (
    opts: TRPCCreateContextOptions,
  ) => inferRouterContext<TRouter> | Promise<inferRouterContext<TRouter>>;
  /** Request bodies above this many bytes are answered with PAYLOAD_TOO_LARGE. */
  maxBodySize: number;
  /**
   * Most calls one `?batch=1` request may carry; more is BAD_REQUEST and none of them runs
   * (default DEFAULT_MAX_BATCH_SIZE). Clients' batch links must not send more.
   */
  maxBatchSize?: number;
  onError?: HTTPErrorHandler<TRouter, IncomingMessage>;
  /** `false` sends every request through the official adapter (reference and tests). */
  lean?: boolean;
}

export interface TRPCNodeHandler {
  /** `path` is the procedure path as it appears in the URL (after the tRPC prefix). */
  (req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  /** How many requests each path served. */
  readonly served: { lean: number; official: number };
}

type ProcedureCall = TRPCRequestInfo["calls"][number];

/**
 * Calls in one batch. Without a limit one request could carry any number of sign-in
 * attempts (each an argon2 hash); each still counts against its throttles on its own.
 */
export const DEFAULT_MAX_BATCH_SIZE = 16;

const TOO_LARGE = Symbol("too large");
const GONE = Symbol("gone");

export function createTRPCNodeHandler<TRouter extends AnyTRPCRouter>(
  opts: TRPCNodeHandlerOptions<TRouter>,
): TRPCNodeHandler {
  const { router, maxBodySize, onError } = opts;
  const maxBatchSize = opts.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  const config = router._def._config;
  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure>;
  const lean = opts.lean ?? true;
  const served = { lean: 0, official: 0 };
  const createContext = opts.createContext as (
    o: TRPCCreateContextOptions,
  ) => unknown | Promise<unknown>;

  function official(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    served.official++;
    const run = () =>
      nodeHTTPRequestHandler({
        router,
        req,
        res,
        path,
        maxBodySize,
        maxBatchSize,
        createContext: ({ req, res, info }) => opts.createContext({ req, res, info }),
        ...(onError ? { onError } : {}),
      });
    const contentType = req.headers["content-type"];
    if (
      req.method === "GET" ||
      req.method === "HEAD" ||
      (contentType !== undefined && !isJsonContentType(contentType))
    ) {
      return run();
    }
    // The official adapter reads a body only when a procedure asks for its input, and after
    // passing the limit keeps draining it. A JSON body is read here instead, under the same
    // limit as the lean path, and handed over as the parsed-body string the adapter accepts.
    return readBody(req, maxBodySize).then((body) => {
      if (body === TOO_LARGE) return tooLargeFor(req, res, path);
      if (body === GONE) return;
      (req as IncomingMessage & { body?: string }).body = body.toString("utf8");
      return run();
    });
  }

  function send(res: ServerResponse, status: number, body: string): void {
    // The official adapter keeps a status a procedure set on the response itself.
    if (res.statusCode === 200) res.statusCode = status;
    res.setHeader("vary", "trpc-accept, accept");
    res.setHeader("content-type", "application/json");
    res.setHeader("content-length", Buffer.byteLength(body));
    res.end(body);
  }

  /** tooLarge() for a URL path, which may name a batch or no procedure at all. */
  function tooLargeFor(req: IncomingMessage, res: ServerResponse, path: string): void {
    const single = path.includes(",") ? undefined : safeDecode(path);
    const proc = single === undefined ? undefined : lookup(procedures, single);
    tooLarge(req, res, single, proc ? proc._def.type : "unknown");
  }

  /** The answer to a body over the limit: nothing more of it is read. */
  function tooLarge(
    req: IncomingMessage,
    res: ServerResponse,
    path: string | undefined,
    type: AnyTRPCProcedure["_def"]["type"] | "unknown",
  ): void {
    const error = new TRPCError({
      code: "PAYLOAD_TOO_LARGE",
      message: `The request body is larger than the ${maxBodySize}-byte limit`,
    });
    onError?.({ error, path, input: undefined, ctx: undefined, type, req });
    const shape = getTRPCErrorShape({
      config,
      error,
      type,
      path,
      input: undefined,
      ctx: undefined,
    });
    const response = { error: shape };
    res.setHeader("connection", "close");
    send(res, getHTTPStatusCode(response), JSON.stringify(transformTRPCResponse(config, response)));
  }

  async function serveLean(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    proc: AnyTRPCProcedure,
    search: URLSearchParams | undefined,
  ): Promise<void> {
    served.lean++;
    const type = proc._def.type;
    let body: Buffer | undefined;
    if (req.method === "POST") {
      const read = await readBody(req, maxBodySize);
      if (read === TOO_LARGE) return tooLarge(req, res, path, type);
      // The client went away before sending its whole body: nobody is left to answer.
      if (read === GONE) return;
      body = read;
    }

    // Input is parsed only when a procedure asks for it, as the official adapter does, so a
    // middleware that refuses the call answers before a malformed input would.
    // Typed wide: the input is read in closures, so narrowing from "unread" would mislead.
    let inputState = "unread" as "unread" | "ok" | "failed";
    let input: unknown;
    let inputError: TRPCErrorType | undefined;
    const getRawInput = async (): Promise<unknown> => {
      if (inputState === "ok") return input;
      if (inputState === "failed") throw inputError;
      try {
        let raw: unknown;
        if (body === undefined) {
          const query = search?.get("input");
          if (query) raw = JSON.parse(query);
        } else {
          raw = JSON.parse(decodeUtf8(body));
        }
        input = raw === undefined ? undefined : config.transformer.input.deserialize(raw);
        inputState = "ok";
        return input;
      } catch (cause) {
        inputError =
          cause instanceof TRPCError
            ? cause
            : new TRPCError({
                code: "BAD_REQUEST",
                message: cause instanceof Error ? cause.message : "Invalid input",
                cause,
              });
        inputState = "failed";
        throw inputError;
      }
    };
    /** The input as parsed, for error shapes and logs; undefined unless it parsed. */
    const parsedInput = () => (inputState === "ok" ? input : undefined);
    const signal = connectionSignal(req);
    // Made only if the context asks for it (Hearth's does not).
    const makeInfo = (): TRPCRequestInfo => {
      let url: URL | undefined;
      const call: ProcedureCall = {
        batchIndex: 0,
        path,
        procedure: proc,
        getRawInput,
        result: parsedInput,
      };
      return {
        isBatchCall: false,
        accept: null,
        calls: [call],
        type,
        connectionParams: null,
        signal,
        get url() {
          url ??= createURL(req);
          return url;
        },
      };
    };

    let ctx: unknown;
    let ctxError: TRPCErrorType | undefined;
    try {
      const made = createContext(new LeanContextOptions(req, res, makeInfo));
      ctx = isPromiseLike(made) ? await made : made;
    } catch (cause) {
      ctxError = getTRPCErrorFromUnknown(cause);
    }

    let data: unknown;
    let error: TRPCErrorType | undefined;
    try {
      if (ctxError) throw ctxError;
      data = await callProcedure(proc, { path, getRawInput, ctx, type, signal, batchIndex: 0 });
    } catch (cause) {
      error = getTRPCErrorFromUnknown(cause);
      onError?.({ error, path, input: parsedInput(), ctx, type, req });
    }

    try {
      if (error) {
        const response = {
          error: getTRPCErrorShape({ config, ctx, error, input: parsedInput(), path, type }),
        };
        send(
          res,
          getHTTPStatusCode([response]),
          JSON.stringify(transformTRPCResponse(config, response)),
        );
      } else if (isDataStream(data)) {
        throw new TRPCError({
          code: "UNSUPPORTED_MEDIA_TYPE",
          message:
            "Cannot use stream-like response in non-streaming request - use httpBatchStreamLink",
        });
      } else {
        // What transformTRPCResponse and getHTTPStatusCode give for a result, built directly.
        send(
          res,
          200,
          JSON.stringify({ result: { data: config.transformer.output.serialize(data) } }),
        );
      }
    } catch (cause) {
      // What the official adapter does when answering fails: an error without a path.
      const failure = getTRPCErrorFromUnknown(cause);
      onError?.({ error: failure, path: undefined, input: undefined, ctx, type, req });
      const response = {
        error: getTRPCErrorShape({
          config,
          ctx,
          error: failure,
          input: undefined,
          path: undefined,
          type,
        }),
      };
      send(
        res,
        getHTTPStatusCode(response),
        JSON.stringify(transformTRPCResponse(config, response)),
      );
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    // Answers carry access tokens, the refresh cookie and private data: no cache, shared
    // or the browser's own, may keep them.
    res.setHeader("cache-control", "no-store");
    const length = Number(req.headers["content-length"]);
    if (length > maxBodySize) {
      tooLargeFor(req, res, path);
      return Promise.resolve();
    }
    if (!lean) return official(req, res, path);

    const method = req.method;
    const contentType = req.headers["content-type"];
    if (method === "POST") {
      if (contentType === undefined || !isJsonContentType(contentType)) {
        return official(req, res, path);
      }
    } else if (method !== "GET" || (contentType !== undefined && !isJsonContentType(contentType))) {
      return official(req, res, path);
    }
    if (req.headers["trpc-accept"] !== undefined) return official(req, res, path);
    const accept = req.headers.accept;
    if (accept?.includes("application/jsonl")) return official(req, res, path);

    const decoded = safeDecode(path);
    if (decoded === undefined) return official(req, res, path);
    const proc = lookup(procedures, decoded);
    if (!proc) return official(req, res, path);
    const type = proc._def.type;
    if (type === "query" ? method !== "GET" : type !== "mutation" || method !== "POST") {
      return official(req, res, path);
    }

    // A host the official adapter could not make a URL of is its to refuse.
    const host = req.headers.host;
    if (host !== undefined && !PLAIN_HOST.test(host)) return official(req, res, path);
    // Parsing a whole URL costs more than the rest of this function; only the query is
    // needed, and only when there is one (never on an autosave).
    const rawUrl = req.url ?? "";
    const q = rawUrl.indexOf("?");
    let search: URLSearchParams | undefined;
    if (q !== -1) {
      if (rawUrl.includes("#", q)) return official(req, res, path);
      search = new URLSearchParams(rawUrl.slice(q + 1));
      if (search.get("batch") === "1" || search.has("connectionParams")) {
        return official(req, res, path);
      }
    }
    return serveLean(req, res, decoded, proc, search);
  };

  return Object.assign(handler, { served });
}

/** createContext's options, with the request info made on first use. */
class LeanContextOptions implements TRPCCreateContextOptions {
  private made: TRPCRequestInfo | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly makeInfo: () => TRPCRequestInfo,
  ) {}

  get info(): TRPCRequestInfo {
    this.made ??= this.makeInfo();
    return this.made;
  }
}

/** Host names, IPv4 and bracketed IPv6 addresses, with an optional port. */
const PLAIN_HOST = /^[\w.\-[\]:]*$/;

const SIGNAL = Symbol("hearth.connectionSignal");
type SignalledSocket = IncomingMessage["socket"] & { [SIGNAL]?: AbortSignal };

/**
 * Aborted when the client's connection closes. An HTTP/1.1 client can only cancel a
 * request by closing its connection, so one signal per connection (not one per request,
 * which costs an AbortController and a listener on every call) tells procedures the same.
 */
function connectionSignal(req: IncomingMessage): AbortSignal {
  const socket = req.socket as SignalledSocket;
  let signal = socket[SIGNAL];
  if (!signal) {
    const controller = new AbortController();
    signal = controller.signal;
    socket[SIGNAL] = signal;
    socket.once("close", () => controller.abort());
  }
  return signal;
}

function lookup(
  procedures: Record<string, AnyTRPCProcedure>,
  path: string,
): AnyTRPCProcedure | undefined {
  return Object.hasOwn(procedures, path) ? procedures[path] : undefined;
}

function safeDecode(path: string): string | undefined {
  if (!path.includes("%")) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/** Media types compare case-insensitively and may carry parameters. */
function isJsonContentType(value: string): boolean {
  return (
    value === "application/json" ||
    value.split(";", 1)[0]!.trim().toLowerCase() === "application/json"
  );
}

/** As fetch's `Response.json()` decodes: UTF-8 without a leading byte-order mark. */
function decodeUtf8(body: Buffer): string {
  const text = body.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** tRPC's own test for results that only a streaming link can carry. */
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (Symbol.asyncIterator in value) return true;
  // Object.values' own properties, without making the array on every answer.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const v = value[key];
    if (isPromiseLike(v) || (isObject(v) && Symbol.asyncIterator in v)) return true;
  }
  return false;
}

function isPromiseLike(value: unknown): boolean {
  if (!isObject(value) && typeof value !== "function") return false;
  const v = value as { then?: unknown; catch?: unknown };
  return typeof v.then === "function" && typeof v.catch === "function";
}

/**
 * Reads the whole body, or stops at `limit` bytes without reading further and answers
 * TOO_LARGE (the caller then closes the connection). GONE: the client disconnected first.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<Buffer | typeof TOO_LARGE | typeof GONE> {
  return new Promise((resolve) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.pause();
        resolve(TOO_LARGE);
      } else if (first === undefined) {
        first = chunk;
      } else {
        chunks ??= [first];
        chunks.push(chunk);
      }
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)));
    });
    // "close" follows "end" on a complete request; before it, the client has gone.
    req.on("close", () => {
      if (done) return;
      done = true;
      resolve(GONE);
    });
  });
}
