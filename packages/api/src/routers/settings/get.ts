import { authedProcedure } from "../../trpc";

/** The caller's settings in this tenant: `{values, sources}` (user, organization, builtIn). */
export const getSettings = authedProcedure.query(({ ctx }) =>
  ctx.repos.settings.resolved(ctx.user.tenantId, ctx.user.id),
);
