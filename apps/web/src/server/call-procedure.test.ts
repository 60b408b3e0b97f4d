import { type AnyTRPCProcedure, initTRPC, TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { callProcedure, type ProcedureCallOptions } from "./call-procedure";

// Every case runs twice, through tRPC's own procedure call and through callProcedure, and
// must give the same data or the same error (code, message, cause).
interface Ctx {
  token: string | undefined;
  seen: string[];
}

const t = initTRPC.context<Ctx>().meta<{ label: string }>().create({ isDev: false });

const withUser = t.procedure.use(({ ctx, next }) => {
  if (ctx.token !== "good") throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in" });
  return next({ ctx: { user: { id: "u1" } } });
});
const logged = withUser.use(async ({ ctx, path, type, next }) => {
  ctx.seen.push(`${type} ${path}`);
  const result = await next();
  ctx.seen.push(result.ok ? "ok" : "failed");
  return result;
});

const router = t.router({
  whoami: logged.query(({ ctx }) => ({ user: ctx.user, token: ctx.token })),
  merge: t.procedure
    .input(z.object({ a: z.number() }))
    .input(z.object({ b: z.string().max(3) }))
    .mutation(({ input }) => input),
  transform: t.procedure
    .input(z.object({ n: z.string().transform((s) => Number(s)) }))
    .mutation(({ input }) => input.n * 2),
  asyncCheck: t.procedure
    .input(z.object({ name: z.string() }).refine(async (v) => v.name !== "taken", "Name taken"))
    .mutation(({ input }) => `saved ${input.name}`),
  customParser: t.procedure
    .input((raw: unknown) => {
      if (typeof raw !== "string") throw new Error("Expected a string");
      return raw.toUpperCase();
    })
    .query(({ input }) => input),
  rewritesInput: t.procedure
    .use(({ next }) => next({ input: { a: 41 } }))
    .input(z.object({ a: z.number() }))
    .query(({ input }) => input.a + 1),
  rawInput: t.procedure
    .use(async ({ getRawInput, next }) => next({ ctx: { raw: await getRawInput() } }))
    .query(({ ctx }) => ctx.raw),
  noResult: t.procedure
    // @ts-expect-error: a middleware that forgets to return next()
    .use(async ({ next }) => {
      await next();
    })
    .query(() => "unreachable"),
  throws: withUser.mutation(() => {
    throw new Error("disk on fire");
  }),
  meta: t.procedure
    .meta({ label: "with meta" })
    .use(({ meta, next }) => next({ ctx: { meta } }))
    .query(({ ctx }) => ctx.meta),
});

const procedures = router._def.procedures as Record<string, AnyTRPCProcedure>;

async function both(path: string, rawInput: unknown, token: string | undefined = "good") {
  const run = async (call: (p: AnyTRPCProcedure, o: ProcedureCallOptions) => Promise<unknown>) => {
    const ctx: Ctx = { token, seen: [] };
    const proc = procedures[path]!;
    const opts: ProcedureCallOptions = {
      path,
      type: proc._def.type,
      ctx,
      getRawInput: async () => {
        if (rawInput instanceof Error) throw rawInput;
        return structuredClone(rawInput);
      },
      signal: undefined,
      batchIndex: 0,
    };
    try {
      return { data: await call(proc, opts), seen: ctx.seen };
    } catch (err) {
      const e = err as TRPCError;
      return {
        error: { name: e.name, code: e.code, message: e.message, cause: String(e.cause) },
        seen: ctx.seen,
      };
    }
  };
  const official = await run((p, o) => (p as unknown as (o: unknown) => Promise<unknown>)(o));
  const lean = await run(callProcedure);
  expect(lean).toEqual(official);
  return lean;
}

describe("callProcedure", () => {
  it("merges the context middlewares add and runs them in order", async () => {
    const r = await both("whoami", undefined);
    expect(r).toEqual({
      data: { user: { id: "u1" }, token: "good" },
      seen: ["query whoami", "ok"],
    });
  });

  it("refuses as the middleware does", async () => {
    const r = await both("whoami", undefined, "bad");
    expect(r.error).toMatchObject({ code: "UNAUTHORIZED", message: "Sign in" });
  });

  it("merges the inputs of two .input() calls", async () => {
    expect((await both("merge", { a: 1, b: "x", c: true })).data).toEqual({ a: 1, b: "x" });
  });

  it("turns a zod failure into BAD_REQUEST with the ZodError as cause", async () => {
    const r = await both("merge", { a: 1, b: "too long" });
    expect(r.error?.code).toBe("BAD_REQUEST");
    expect(r.error?.cause).toContain("too_big");
  });

  it("keeps what a schema's transform made of the input", async () => {
    expect((await both("transform", { n: "21" })).data).toBe(42);
  });

  it("runs schemas with async checks the async way", async () => {
    expect((await both("asyncCheck", { name: "free" })).data).toBe("saved free");
    const taken = await both("asyncCheck", { name: "taken" });
    expect(taken.error?.code).toBe("BAD_REQUEST");
    expect(taken.error?.cause).toContain("Name taken");
  });

  it("uses parsers that are not zod schemas as tRPC does", async () => {
    expect((await both("customParser", "abc")).data).toBe("ABC");
    expect((await both("customParser", 7)).error).toMatchObject({
      code: "BAD_REQUEST",
      message: "Expected a string",
    });
  });

  it("passes input a middleware set on to later steps", async () => {
    expect((await both("rewritesInput", { a: 1 })).data).toBe(2);
  });

  it("answers an unreadable input with the reader's error", async () => {
    const r = await both("merge", new TRPCError({ code: "PARSE_ERROR", message: "bad JSON" }));
    expect(r.error).toMatchObject({ code: "PARSE_ERROR", message: "bad JSON" });
    expect((await both("rawInput", { x: 1 })).data).toEqual({ x: 1 });
  });

  it("fails like tRPC when a middleware returns nothing", async () => {
    expect((await both("noResult", undefined)).error?.code).toBe("INTERNAL_SERVER_ERROR");
  });

  it("wraps a resolver's own error as INTERNAL_SERVER_ERROR with it as the cause", async () => {
    const r = await both("throws", undefined);
    expect(r.error).toMatchObject({ code: "INTERNAL_SERVER_ERROR", cause: "Error: disk on fire" });
  });

  it("hands middlewares the procedure's meta", async () => {
    expect((await both("meta", undefined)).data).toEqual({ label: "with meta" });
  });
});
