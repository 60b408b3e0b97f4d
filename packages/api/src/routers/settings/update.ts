import { ZSettingsPatch } from "@hearth/db";
import { settingsChanges } from "../../lib/settings-changes";
import { authedProcedure } from "../../trpc";

/** Sets some of the caller's own values (they follow them to every tenant and device). */
export const updateSettings = authedProcedure
  .input(ZSettingsPatch)
  .mutation(async ({ ctx, input }) => {
    const resolved = await ctx.repos.settings.update(
      ctx.user.tenantId,
      ctx.user.id,
      input,
      ctx.now(),
    );
    settingsChanges.userChanged(ctx.user.id);
    return resolved;
  });
