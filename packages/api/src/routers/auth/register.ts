import { ZPassword } from "@hearth/auth";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { requireCookieTransport } from "../../lib/cookies";
import { countAttempt, registerLimits } from "../../lib/throttle";
import { publicProcedure } from "../../trpc";
import { signedIn, ZEmailInput } from "./shared";

export const ZRegisterInput = z.object({
  email: ZEmailInput,
  password: ZPassword,
  firstName: z.string().trim().min(1).max(100),
  lastName: z.string().trim().max(100),
});

/**
 * Creates the user and their own tenant atomically and signs them in. Every registration
 * counts against the IP, successful ones too: it limits accounts made per IP, and probing
 * which emails are taken.
 */
export const register = publicProcedure.input(ZRegisterInput).mutation(async ({ ctx, input }) => {
  requireCookieTransport(ctx, "auth.register");
  await countAttempt(ctx, registerLimits(ctx, ctx.req.ip));
  return signedIn(ctx, await ctx.auth.register(input, clientOf(ctx)));
});
