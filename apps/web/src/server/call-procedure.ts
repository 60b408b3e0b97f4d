/**
 * Runs a tRPC procedure's middleware chain as tRPC's own `callRecursive` does, with the
 * same options, context merging, input merging and error results, but building each
 * level's options as plain object literals. tRPC's published build copies them through
 * Babel's `_objectSpread2` helper (a `defineProperty` per key, per level, per request),
 * which cost ≈ 30 µs of every autosave here, more than the save itself.
 *
 * An input step whose parser is a zod schema parses synchronously: tRPC prefers
 * `parseAsync`, which costs three times `parse` for the same result (a schema with async
 * parts still goes the async way).
 *
 * Procedures this does not know how to run (a caller override, or a shape from another
 * tRPC version) are called the official way.
 */
import { type AnyTRPCProcedure, getTRPCErrorFromUnknown, TRPCError } from "@trpc/server";
import { $ZodAsyncError } from "zod/v4/core";

export interface ProcedureCallOptions {
  path: string;
  type: AnyTRPCProcedure["_def"]["type"];
  ctx: unknown;
  getRawInput: () => Promise<unknown>;
  signal: AbortSignal | undefined;
  batchIndex: number;
}

/** What each level of the chain is called with (besides `meta` and `next`). */
interface LevelOptions extends ProcedureCallOptions {
  input: unknown;
}

interface MiddlewareResult {
  ok: boolean;
  data?: unknown;
  error?: TRPCError;
}

interface NextOptions {
  ctx?: Record<string, unknown>;
  input?: unknown;
  getRawInput?: () => Promise<unknown>;
}

type Middleware = ((
  opts: LevelOptions & { meta: unknown; next: Next },
) => Promise<MiddlewareResult>) & { _type?: string };
type Next = (opts?: NextOptions) => Promise<MiddlewareResult>;

interface ZodLike {
  parse(value: unknown): unknown;
  parseAsync(value: unknown): Promise<unknown>;
}

/** A middleware, or an input step with the zod schema it validates with. */
type Step = Middleware | { parser: ZodLike };

interface ChainDef {
  steps: readonly Step[];
  meta: unknown;
}

function isZodSchema(parser: unknown): parser is ZodLike {
  const p = parser as Partial<ZodLike> & { _zod?: unknown };
  return (
    typeof p === "object" &&
    p !== null &&
    typeof p.parse === "function" &&
    typeof p.parseAsync === "function" &&
    typeof p._zod === "object"
  );
}

function chainOf(proc: AnyTRPCProcedure): ChainDef | undefined {
  const def = proc._def as unknown as {
    middlewares?: unknown;
    inputs?: unknown;
    meta?: unknown;
    experimental_caller?: boolean;
  };
  if (def.experimental_caller || !Array.isArray(def.middlewares)) return undefined;
  const middlewares = def.middlewares as unknown[];
  if (!middlewares.every((m) => typeof m === "function")) return undefined;
  // tRPC adds one input step per `.input()`, in order, each validating with inputs[i].
  const inputs = Array.isArray(def.inputs) ? def.inputs : [];
  const inputSteps = middlewares.filter((m) => (m as Middleware)._type === "input").length;
  const parsers = inputSteps === inputs.length ? [...inputs] : undefined;
  const steps = middlewares.map((m): Step => {
    const middleware = m as Middleware;
    if (middleware._type !== "input" || !parsers) return middleware;
    const parser = parsers.shift();
    return isZodSchema(parser) ? { parser } : middleware;
  });
  return { steps, meta: def.meta };
}

/** tRPC's own test for a plain object (arrays are not). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && !Array.isArray(value) && typeof value === "object";
}

/** tRPC's input step: parse the raw input, merge it into what earlier steps parsed. */
async function parseInput(
  parser: ZodLike,
  opts: LevelOptions,
): Promise<{ input: unknown } | { error: TRPCError }> {
  const raw = await opts.getRawInput();
  let parsed: unknown;
  try {
    try {
      parsed = parser.parse(raw);
    } catch (err) {
      if (!(err instanceof $ZodAsyncError)) throw err;
      parsed = await parser.parseAsync(raw);
    }
  } catch (cause) {
    return { error: new TRPCError({ code: "BAD_REQUEST", cause }) };
  }
  return {
    input: isObject(opts.input) && isObject(parsed) ? { ...opts.input, ...parsed } : parsed,
  };
}

const chains = new WeakMap<AnyTRPCProcedure, ChainDef | null>();

/**
 * The next level's options: these with a new context, input and raw-input reader. Written
 * out field by field: spreading objects of varying shapes was most of what a level cost.
 */
function withChanges(
  opts: ProcedureCallOptions,
  ctx: unknown,
  input: unknown,
  getRawInput: () => Promise<unknown>,
): LevelOptions {
  return {
    path: opts.path,
    type: opts.type,
    ctx,
    input,
    getRawInput,
    signal: opts.signal,
    batchIndex: opts.batchIndex,
  };
}

async function callLevel(
  chain: ChainDef,
  index: number,
  opts: LevelOptions,
): Promise<MiddlewareResult> {
  try {
    const step = chain.steps[index]!;
    if (typeof step !== "function") {
      const parsed = await parseInput(step.parser, opts);
      if ("error" in parsed) return { ok: false, error: parsed.error };
      return await callLevel(
        chain,
        index + 1,
        withChanges(opts, opts.ctx, parsed.input, opts.getRawInput),
      );
    }
    return await step({
      path: opts.path,
      type: opts.type,
      ctx: opts.ctx,
      input: opts.input,
      getRawInput: opts.getRawInput,
      signal: opts.signal,
      batchIndex: opts.batchIndex,
      meta: chain.meta,
      next: (nextOpts?: NextOptions) =>
        callLevel(
          chain,
          index + 1,
          withChanges(
            opts,
            nextOpts?.ctx ? { ...(opts.ctx as object), ...nextOpts.ctx } : opts.ctx,
            nextOpts && "input" in nextOpts ? nextOpts.input : opts.input,
            nextOpts?.getRawInput ?? opts.getRawInput,
          ),
        ),
    });
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause) };
  }
}

export async function callProcedure(
  proc: AnyTRPCProcedure,
  opts: ProcedureCallOptions,
): Promise<unknown> {
  let chain = chains.get(proc);
  if (chain === undefined) {
    chain = chainOf(proc) ?? null;
    chains.set(proc, chain);
  }
  if (chain === null) return (proc as unknown as (o: ProcedureCallOptions) => unknown)(opts);
  const result = await callLevel(
    chain,
    0,
    withChanges(opts, opts.ctx, undefined, opts.getRawInput),
  );
  if (!result) {
    throw new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message: "No result from middlewares - did you forget to `return next()`?",
    });
  }
  if (!result.ok) throw result.error;
  return result.data;
}
