import { ZRecordId } from "@hearth/db";
import { z } from "zod";
import { clientOf } from "../../lib/authenticate";
import { clearRefreshCookieOn } from "../../lib/cookies";
import { authedProcedure } from "../../trpc";

export const ZRevokeDeviceInput = z.object({ tokenFamily: ZRecordId });

/** Ends one of the caller's token families; someone else's is NOT_FOUND. */
export const revokeDevice = authedProcedure
  .input(ZRevokeDeviceInput)
  .mutation(async ({ ctx, input }) => {
    await ctx.auth.revokeDevice(ctx.user.auth, input.tokenFamily, clientOf(ctx));
    if (input.tokenFamily === ctx.user.tokenFamily) clearRefreshCookieOn(ctx);
    return { tokenFamily: input.tokenFamily, revoked: true as const };
  });
