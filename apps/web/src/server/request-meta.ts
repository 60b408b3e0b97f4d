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
   * Believe `X-Forwarded-For` / `X-Forwarded-Proto` / `X-Forwarded-Host`: only when a proxy
   * the operator runs sets them, else any client could pick its own IP for the throttles.
   */
  trustProxy: boolean;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

export function requestMeta(req: IncomingMessage, opts: RequestMetaOptions): RequestMeta {
  const h = req.headers;
  let ip = req.socket.remoteAddress ?? "";
  let protocol: "http" | "https" = (req.socket as Partial<TLSSocket>).encrypted ? "https" : "http";
  let host = h.host;
  if (opts.trustProxy) {
    // The left-most entry is the client as the first proxy saw it.
    const forwarded = header(h["x-forwarded-for"])?.split(",", 1)[0]?.trim();
    if (forwarded) ip = forwarded;
    const proto = header(h["x-forwarded-proto"])?.split(",", 1)[0]?.trim();
    if (proto === "https" || proto === "http") protocol = proto;
    const fwdHost = header(h["x-forwarded-host"])?.split(",", 1)[0]?.trim();
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
 * it in its connection params instead (`{ authorization: "Bearer ..." }`).
 */
export function webSocketRequestMeta(
  req: IncomingMessage,
  connectionParams: Record<string, string | undefined> | null,
  opts: RequestMetaOptions,
): RequestMeta {
  const meta = requestMeta(req, opts);
  const fromParams = connectionParams?.authorization;
  if (!meta.authorization && typeof fromParams === "string") meta.authorization = fromParams;
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
