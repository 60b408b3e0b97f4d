import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Anything that could let a reader of the logs act as a user. Request logs only carry
 * method, path, status and timing, so these are the second line of defence for whatever
 * else gets logged (errors, objects passed in by mistake).
 */
export const REDACTED_PATHS = [
  "authorization",
  "cookie",
  "password",
  "newPassword",
  "currentPassword",
  "token",
  "accessToken",
  "refreshToken",
  "secret",
  "*.authorization",
  "*.cookie",
  "*.password",
  "*.newPassword",
  "*.currentPassword",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.secret",
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "input",
  "*.input",
];

export interface LoggerOptions {
  /** pino level; "silent" logs nothing. */
  level?: string;
  /** Where JSON lines go; stdout by default, written asynchronously. */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? "info",
      base: { pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
