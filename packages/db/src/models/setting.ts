import { z } from "zod";
import { ZIsoDate, ZRecordId } from "./common";
import { SETTING_SPECS as S } from "./setting-specs";

export * from "./setting-specs";

const int = (spec: { min: number; max: number }) => z.number().int().min(spec.min).max(spec.max);

/** Every preference key with its allowed values (setting-specs.ts holds the data). */
export const ZSettingValues = z.object({
  theme: z.enum(S.theme.choices),
  editorFontSize: int(S.editorFontSize),
  tabSize: int(S.tabSize),
  insertSpaces: z.boolean(),
  wordWrap: z.enum(S.wordWrap.choices),
  minimap: z.boolean(),
  autosaveDelayMs: int(S.autosaveDelayMs),
  saveFilesToDisk: z.enum(S.saveFilesToDisk.choices),
  terminalFontSize: int(S.terminalFontSize),
  terminalCursorStyle: z.enum(S.terminalCursorStyle.choices),
  terminalScrollback: int(S.terminalScrollback),
});

/** Some keys, each valid; unknown keys are refused, not dropped. */
export const ZSettingsPatch = ZSettingValues.partial().strict();

/** (t_home,"settings",userId): the values a person set, in their home tenant. */
export const ZUserSettingsRecord = z.object({
  values: ZSettingsPatch,
  updatedAt: ZIsoDate,
});
export type UserSettingsRecord = z.infer<typeof ZUserSettingsRecord>;

/** (t,"settings_defaults"): an organization's defaults, set by its Admins. */
export const ZTenantSettingsRecord = z.object({
  values: ZSettingsPatch,
  updatedAt: ZIsoDate,
  updatedByUserId: ZRecordId,
});
export type TenantSettingsRecord = z.infer<typeof ZTenantSettingsRecord>;

// The schema and the specs describe the same values.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree: Same<z.infer<typeof ZSettingValues>, import("./setting-specs").SettingValues> = true;
void agree;
