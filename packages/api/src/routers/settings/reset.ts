import { z } from "zod";
import { settingsChanges } from "../../lib/settings-changes";
import { authedProcedure } from "../../trpc";
import { ZSettingKey } from "./shared";

export const ZResetSettingsInput = z.object({ key: ZSettingKey.optional() }).strict();

/** Drops the caller's value of `key`, or all of their values: the defaults apply again. */
export const resetSettings = authedProcedure
  .input(ZResetSettingsInput)
  .mutation(async ({ ctx, input }) => {
    const resolved = await ctx.repos.settings.reset(
      ctx.user.tenantId,
      ctx.user.id,
      input.key ? [input.key] : undefined,
      ctx.now(),
    );
    settingsChanges.userChanged(ctx.user.id);
    return resolved;
  });
