/**
 * What Node's HTTP server leaves to its user about connections: a connection that never
 * sends a byte, and the close after an answer to a body that was not read.
 *
 * Lingering close, as nginx does it: when the server answers before it has read the whole
 * request body (a 413, say) and closes the connection, closing at once makes the kernel
 * answer the client's next bytes with a reset, and a client still sending then often
 * loses the answer it was sent (Node's fetch reports EPIPE or a reset instead of the 413,
 * about one try in four with a 9 MiB body here). So the server sends its answer and its
 * FIN, then keeps reading and discarding what the client still sends, until the client
 * closes its side or a bound in time or bytes is reached, and only then closes.
 */
import type http from "node:http";
import type { Socket } from "node:net";

export interface LingerLimits {
  /** Longest the server keeps discarding after its answer (default 5 s). */
  ms: number;
  /** Most bytes it discards before closing anyway. */
  bytes: number;
}

const REQUEST = Symbol("hearth.lingerRequest");
type LingerSocket = Socket & { [REQUEST]?: http.IncomingMessage };

/**
 * Makes every connection of `server` linger when it closes after an answer to a request
 * whose body was not read to its end. Node's HTTP server closes a connection through the
 * socket's `destroySoon()` once the last response on it has finished; that is where this
 * steps in, so nothing is added to a request that is read in full.
 */
export function installLingeringClose(server: http.Server, limits: LingerLimits): void {
  function destroySoon(this: LingerSocket): void {
    const req = this[REQUEST];
    this[REQUEST] = undefined;
    if (req === undefined || req.complete || this.destroyed) {
      Object.getPrototypeOf(this).destroySoon.call(this);
      return;
    }
    linger(this, req, limits);
  }
  server.on("connection", (socket: LingerSocket) => {
    socket.destroySoon = destroySoon;
  });
  // The request a connection is on, for destroySoon to ask whether its body was read.
  // Listeners run in order: this one, added first, runs before the request is handled.
  server.prependListener("request", (req: http.IncomingMessage) => {
    (req.socket as LingerSocket)[REQUEST] = req;
  });
}

function linger(socket: Socket, req: http.IncomingMessage, limits: LingerLimits): void {
  let discarded = 0;
  const stop = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(stop, limits.ms);
  timer.unref();
  // Everything still arriving goes through the HTTP parser into the finished request,
  // which now only drops it; counted here to bound it.
  socket.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.bytes) stop();
  });
  // The client closed its side: it has read the answer, or no longer wants it.
  socket.once("end", stop);
  socket.once("close", () => clearTimeout(timer));
  // The answer and then the FIN go out; reading goes on.
  socket.end();
  req.resume();
  socket.resume();
}

/**
 * Node's headersTimeout counts from a request's first byte, so a connection that sends
 * nothing at all is never cut by it: one that stays silent for `ms` is closed here.
 */
export function cutSilentConnections(server: http.Server, ms: number): void {
  server.on("connection", (socket: Socket) => {
    socket.setTimeout(ms);
    // Node's own listener for "timeout" closes the socket; the first byte ends the wait.
    socket.once("data", () => socket.setTimeout(0));
  });
}
