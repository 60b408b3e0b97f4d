import { authedProcedure } from "../../trpc";

/** The caller's signed-in devices (active token families) in this tenant. */
export const devices = authedProcedure.query(async ({ ctx }) => {
  const list = await ctx.auth.devices(ctx.user.auth);
  return list.map((d) => ({
    tokenFamily: d.tokenFamily,
    ipAddress: d.ipAddress,
    userAgent: d.userAgent,
    createdAt: d.createdAt,
    lastUsedAt: d.lastUsedAt,
    current: d.current,
  }));
});
