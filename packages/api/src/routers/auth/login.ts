import { AuthError } from "@hearth/auth";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { assertNotThrottled, clearAccountFailures, recordFailure } from "../../lib/throttle";
import { publicProcedure } from "../../trpc";
import { signedIn, ZEmailInput } from "./shared";

export const ZLoginInput = z.object({
  email: ZEmailInput,
  password: z.string().min(1).max(256),
});

/** Email and password. Failures are counted per IP and per email. */
export const login = publicProcedure.input(ZLoginInput).mutation(async ({ ctx, input }) => {
  const who = { ip: ctx.req.ip, account: input.email };
  await assertNotThrottled(ctx, "login", who);
  let result: Awaited<ReturnType<typeof ctx.auth.login>>;
  try {
    result = await ctx.auth.login(input, clientOf(ctx));
  } catch (err) {
    if (err instanceof AuthError) await recordFailure(ctx, "login", who);
    throw err;
  }
  await clearAccountFailures(ctx, "login", input.email);
  return signedIn(ctx, result);
});
