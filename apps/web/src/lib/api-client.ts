/**
 * The one tRPC client of the browser: queries and mutations over HTTP (batched),
 * subscriptions over the WebSocket, both carrying the in-memory access token.
 */
import type { AppRouter } from "@hearth/api";
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  splitLink,
  type TRPCClient,
  type TRPCLink,
  wsLink,
} from "@trpc/client";
import { observable } from "@trpc/server/observable";
import { type AuthSession, isAuthRefusal } from "./session";

export type HearthClient = TRPCClient<AppRouter>;

function webSocketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/api/trpc-ws`;
}

/** Calls whose UNAUTHORIZED is about a password they were given, not about the token. */
const REFUSES_CREDENTIALS = new Set(["auth.changePassword"]);

/**
 * A call refused as UNAUTHORIZED while signed in is tried once more after renewing the
 * token: the token may have expired in a sleeping laptop, or a WebSocket may still carry
 * the token it connected with. If the renewal itself is refused, the session has ended
 * (revoked elsewhere) and AuthSession says so; the caller gets the original error.
 */
function renewOnUnauthorized(
  session: AuthSession,
  onRenewed: (token: string) => void,
): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let retried = false;
        let sub: { unsubscribe(): void } | null = null;
        const attempt = () => {
          sub = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (err) => {
              const code = (err.data as { code?: string } | undefined)?.code;
              if (
                retried ||
                code !== "UNAUTHORIZED" ||
                session.current.status !== "signed-in" ||
                REFUSES_CREDENTIALS.has(op.path)
              ) {
                observer.error(err);
                return;
              }
              retried = true;
              void session.renew().then((token) => {
                if (!token) {
                  observer.error(err);
                  return;
                }
                onRenewed(token);
                attempt();
              });
            },
          });
        };
        attempt();
        return () => sub?.unsubscribe();
      });
}

export interface HearthClientOptions {
  /** `/api/trpc` on the page's origin by default. */
  trpcUrl?: string;
  /** The page's own `ws(s)://<host>/api/trpc-ws` by default; null: no WebSocket. */
  wsUrl?: string | null;
  fetch?: typeof fetch;
  /** The browser's own by default (Node 20 has none: pass `ws`'s). */
  WebSocket?: typeof WebSocket;
}

export function createHearthClient(
  session: AuthSession,
  opts: HearthClientOptions = {},
): HearthClient {
  const authorization = async (): Promise<Record<string, string>> => {
    const token = await session.accessToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  // The token the open WebSocket presented when it connected: the server holds a
  // connection to it for every call made over that socket.
  let socketToken: string | null = null;
  const socketAuthorization = async (): Promise<Record<string, string>> => {
    const header = await authorization();
    socketToken = header.authorization ?? null;
    return header;
  };
  // In the browser by default; it connects on the first subscription. connectionParams
  // is asked on every (re)connection, so a reconnect always presents a fresh token.
  const wsUrl =
    opts.wsUrl === undefined && typeof window !== "undefined" ? webSocketUrl : opts.wsUrl;
  const ws = !wsUrl
    ? null
    : createWSClient({
        url: wsUrl,
        ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}),
        connectionParams: socketAuthorization,
        lazy: { enabled: true, closeMs: 30_000 },
        keepAlive: { enabled: true, intervalMs: 20_000, pongTimeoutMs: 5_000 },
      });
  // After a renewal forced by a refusal, a socket still on an older token reconnects with
  // the new one, whichever call was refused: every call over it would be refused too.
  const reconnect = (token: string) => {
    if (socketToken === null || socketToken === `Bearer ${token}`) return;
    // Closing the socket (not the client) makes the client reconnect and resubscribe.
    ws?.connection?.ws.close();
  };
  const http = httpBatchLink<AppRouter>({
    url: opts.trpcUrl ?? "/api/trpc",
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    headers: authorization,
    maxURLLength: 2_000,
    // The server refuses a batch of more than 16 calls whole (DEFAULT_MAX_BATCH_SIZE).
    maxItems: 16,
  });
  return createTRPCClient<AppRouter>({
    links: [
      renewOnUnauthorized(session, reconnect),
      ws
        ? splitLink({
            // Keystrokes for a terminal ride the socket its output comes back on: no
            // HTTP request per key, and they arrive in the order they were typed.
            condition: (op) => op.type === "subscription" || op.path === "terminal.input",
            true: wsLink<AppRouter>({ client: ws }),
            false: http,
          })
        : http,
    ],
  });
}

export { isAuthRefusal };
