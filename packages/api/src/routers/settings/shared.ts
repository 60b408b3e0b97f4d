import { SETTING_KEYS, type SettingKey, ZSettingValues } from "@hearth/db";
import { z } from "zod";

export const ZSettingKey = z.enum(SETTING_KEYS as [SettingKey, ...SettingKey[]]);

/** Some keys of the tenant's defaults: a value sets one, null removes it. */
export const ZDefaultsPatch = z
  .object(
    Object.fromEntries(
      SETTING_KEYS.map((key) => [key, ZSettingValues.shape[key].nullable().optional()]),
    ) as {
      [K in SettingKey]: z.ZodOptional<z.ZodNullable<(typeof ZSettingValues.shape)[K]>>;
    },
  )
  .strict();
