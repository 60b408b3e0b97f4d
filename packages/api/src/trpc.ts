import type { Transaction } from "@hearth/db";
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import type { Context } from "./context";
import { domainErrorData, toTRPCError } from "./errors";
import { authenticate, authenticateIn, verifyAccess } from "./lib/authenticate";

/** A human sentence for invalid input: the first few issues with their paths. */
function describeZodError(err: ZodError): string {
  const parts = err.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = err.issues.length > 3 ? ` (and ${err.issues.length - 3} more)` : "";
  return `Invalid input. ${parts.join("; ")}${more}`;
}

const t = initTRPC.context<Context>().create({
  // Stack traces name files and internals; the server's log has them, callers do not.
  isDev: false,
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? error.cause : null;
    const message =
      error.code === "INTERNAL_SERVER_ERROR"
        ? "Something went wrong on the server."
        : zodError
          ? describeZodError(zodError)
          : shape.message;
    return {
      ...shape,
      message,
      data: {
        ...shape.data,
        zodError: zodError ? z.flattenError(zodError) : null,
        ...domainErrorData(error),
      },
    };
  },
});

/**
 * The one place domain errors become tRPC errors. Procedures throw NotFoundError,
 * ConflictError, LimitError...; tRPC wraps anything that is not a TRPCError as
 * INTERNAL_SERVER_ERROR, so the original is its cause.
 */
function mapFailure<R extends { ok: true } | { ok: false; error: TRPCError }>(
  ctx: Pick<Context, "res">,
  result: R,
): R {
  if (result.ok) return result;
  const error = result.error;
  const mapped = error.code === "INTERNAL_SERVER_ERROR" ? toTRPCError(error.cause) : null;
  const final = mapped ?? error;
  const { retryAfterSeconds } = domainErrorData(final);
  if (final.code === "TOO_MANY_REQUESTS" && retryAfterSeconds !== undefined) {
    ctx.res.setHeader("Retry-After", String(retryAfterSeconds));
  }
  if (final === error) return result;
  throw final;
}

export const router = t.router;

// Each middleware level is one more async call, options object and context merge on every
// request, so every builder below is exactly one middleware: authentication, role checks
// and error mapping happen in the same one.

export const publicProcedure = t.procedure.use(async ({ ctx, next }) =>
  mapFailure(ctx, await next()),
);

/** A signed-in caller: a valid access token whose auth session is still active. */
export const authedProcedure = t.procedure.use(async ({ ctx, next }) => {
  const user = await authenticate(ctx);
  return mapFailure(ctx, await next({ ctx: { user } }));
});

/**
 * A caller with a valid access token whose session is checked inside the procedure's own
 * transaction instead of one of its own: `ctx.userIn(tx)` reads the auth session and
 * membership there and answers the SessionUser, or refuses as authedProcedure would. For
 * the write every editor sends on each pause in typing (workspace.autosave): one
 * transaction per call instead of two, and the check is atomic with the write. A procedure
 * on this builder calls it first in its transaction and changes nothing before.
 *
 * Unlike authedProcedure, a token that verifies but whose session has ended is refused
 * after the input is validated, not before: invalid input then answers BAD_REQUEST.
 */
export const authedInTxProcedure = t.procedure.use(async ({ ctx, next }) => {
  const claims = await verifyAccess(ctx);
  const userIn = (tx: Transaction) => authenticateIn(ctx, tx, claims);
  return mapFailure(ctx, await next({ ctx: { claims, userIn } }));
});

/** An Admin of the access token's tenant. */
export const adminProcedure = t.procedure.use(async ({ ctx, next }) => {
  const user = await authenticate(ctx);
  if (user.role !== "Admin") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Only an Admin of this tenant may do that.",
    });
  }
  return mapFailure(ctx, await next({ ctx: { user } }));
});
