import { ZPassword } from "@hearth/auth";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { assertNotThrottled, recordFailure } from "../../lib/throttle";
import { publicProcedure } from "../../trpc";
import { signedIn, ZEmailInput } from "./shared";

export const ZRegisterInput = z.object({
  email: ZEmailInput,
  password: ZPassword,
  firstName: z.string().trim().min(1).max(100),
  lastName: z.string().trim().max(100),
});

/** Creates the user and their own tenant atomically and signs them in. */
export const register = publicProcedure.input(ZRegisterInput).mutation(async ({ ctx, input }) => {
  const who = { ip: ctx.req.ip, account: input.email };
  await assertNotThrottled(ctx, "register", who);
  try {
    return signedIn(ctx, await ctx.auth.register(input, clientOf(ctx)));
  } catch (err) {
    // A taken email counts: probing which emails exist is what this limits.
    await recordFailure(ctx, "register", who);
    throw err;
  }
});
