/**
 * What the API layer learns about a request and may do to its response, built from the
 * Node objects so that packages/api never sees them.
 */
import type { IncomingMessage, OutgoingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { RequestMeta, ResponseMeta } from "@hearth/api";

export type { RequestMeta, ResponseMeta };

export interface RequestMetaOptions {
  /**
   * How many proxies the operator runs in front of the server (`HEARTH_TRUST_PROXY`), 0 for
   * none. Each appends to `X-Forwarded-For`, so only that many entries from the right were
   * written by them; anything further left came from the client, which could otherwise pick
   * its own IP for the throttles and the audit log.
   */
  trustProxy: number;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

function entries(value: string | string[] | undefined): string[] {
  return (header(value) ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * The value the outermost of `hops` trusted proxies wrote into a list header they each
 * append to: the `hops`-th entry from the right (or the left-most, when the request passed
 * fewer proxies). Entries further left are the client's own.
 */
function fromTrustedHop(list: string[], hops: number): string | undefined {
  return list.length === 0 ? undefined : list[Math.max(0, list.length - hops)];
}

export function requestMeta(req: IncomingMessage, opts: RequestMetaOptions): RequestMeta {
  const h = req.headers;
  let ip = req.socket.remoteAddress ?? "";
  let protocol: "http" | "https" = (req.socket as Partial<TLSSocket>).encrypted ? "https" : "http";
  let host = h.host;
  const hops = opts.trustProxy;
  if (hops > 0) {
    // The nearest proxy is the socket's peer; each proxy appended the address it saw.
    const forwarded = fromTrustedHop(entries(h["x-forwarded-for"]), hops);
    if (forwarded) ip = forwarded;
    const proto = fromTrustedHop(entries(h["x-forwarded-proto"]), hops);
    if (proto === "https" || proto === "http") protocol = proto;
    const fwdHost = fromTrustedHop(entries(h["x-forwarded-host"]), hops);
    if (fwdHost) host = fwdHost;
  }
  if (ip.startsWith("::ffff:")) ip = ip.slice(7);
  return {
    ip,
    userAgent: h["user-agent"] ?? "",
    authorization: h.authorization,
    cookie: h.cookie,
    origin: h.origin,
    host,
    protocol,
  };
}

/**
 * A WebSocket cannot carry an Authorization header from a browser, so tRPC's wsLink sends
 * it in its connection params instead (`{ authorization: "Bearer ..." }`). The socket's
 * backlog (bytes queued and not yet sent) lets terminal output wait for a slow viewer.
 */
export function webSocketRequestMeta(
  req: IncomingMessage,
  connectionParams: Record<string, string | undefined> | null,
  opts: RequestMetaOptions,
  socket?: { readonly bufferedAmount: number },
): RequestMeta {
  const meta = requestMeta(req, opts);
  meta.transport = "websocket";
  const fromParams = connectionParams?.authorization;
  if (!meta.authorization && typeof fromParams === "string") meta.authorization = fromParams;
  if (socket) meta.socketBacklog = () => socket.bufferedAmount;
  return meta;
}

/** One object per response, its methods shared (no closures made per request). */
class NodeResponseMeta implements ResponseMeta {
  constructor(private readonly res: OutgoingMessage) {}

  setCookie(value: string): void {
    const res = this.res;
    if (res.headersSent) return;
    const existing = res.getHeader("set-cookie");
    if (existing === undefined) res.setHeader("set-cookie", [value]);
    else if (Array.isArray(existing)) res.setHeader("set-cookie", [...existing, value]);
    else res.setHeader("set-cookie", [String(existing), value]);
  }

  setHeader(name: string, value: string): void {
    if (!this.res.headersSent) this.res.setHeader(name, value);
  }
}

export function responseMeta(res: OutgoingMessage): ResponseMeta {
  return new NodeResponseMeta(res);
}

/** A WebSocket's handshake is long answered: nothing can be added to it any more. */
export const closedResponseMeta: ResponseMeta = {
  setCookie() {},
  setHeader() {},
};
