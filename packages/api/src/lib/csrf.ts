import type { Context } from "../context";
import { ForbiddenError } from "../errors";

/**
 * Refuses a cookie-authenticated mutation unless its `Origin` is this server (or one
 * the operator trusts). Browsers always send Origin on cross-site POSTs, so a page on
 * another site cannot ride on the refresh cookie.
 */
export function requireSameOrigin(ctx: Pick<Context, "req" | "config">): void {
  const { origin, host, protocol } = ctx.req;
  if (origin && isTrusted(origin, host, protocol, ctx.config.trustedOrigins)) return;
  throw new ForbiddenError("This request must come from a Hearth page (Origin check).");
}

function isTrusted(
  origin: string,
  host: string | undefined,
  protocol: string,
  trusted: readonly string[],
): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (trusted.includes(url.origin)) return true;
  if (!host || url.protocol !== `${protocol}:`) return false;
  try {
    // Normalised the same way as the origin (case, default port).
    return url.host === new URL(`${protocol}://${host}`).host;
  } catch {
    return false;
  }
}
