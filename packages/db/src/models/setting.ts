import { z } from "zod";
import { ZIsoDate, ZRecordId } from "./common";

/**
 * Preferences that follow a person to every device: each key's allowed values. A value a
 * person sets overrides their organization's default, which overrides the built-in one.
 */
export const ZSettingValues = z.object({
  /** Monaco's and the terminal's colours. */
  theme: z.enum(["light", "dark", "highContrast"]),
  editorFontSize: z.number().int().min(8).max(40),
  tabSize: z.number().int().min(1).max(8),
  insertSpaces: z.boolean(),
  wordWrap: z.enum(["off", "on"]),
  minimap: z.boolean(),
  /** How long after the last change the session (unsaved text included) is stored. */
  autosaveDelayMs: z.number().int().min(100).max(10_000),
  /** Whether modified files are also written to disk without Ctrl+S, and when. */
  saveFilesToDisk: z.enum(["off", "afterDelay", "onFocusChange"]),
  terminalFontSize: z.number().int().min(8).max(40),
  terminalCursorStyle: z.enum(["block", "underline", "bar"]),
  terminalScrollback: z.number().int().min(100).max(100_000),
});
export type SettingValues = z.infer<typeof ZSettingValues>;
export type SettingKey = keyof SettingValues;

export const SETTING_KEYS = Object.keys(ZSettingValues.shape) as SettingKey[];

/** What Hearth uses when neither the person nor their organization set a key. */
export const BUILT_IN_SETTINGS: Readonly<SettingValues> = Object.freeze({
  theme: "dark",
  editorFontSize: 14,
  tabSize: 4,
  insertSpaces: true,
  wordWrap: "off",
  minimap: false,
  autosaveDelayMs: 500,
  saveFilesToDisk: "off",
  terminalFontSize: 13,
  terminalCursorStyle: "block",
  terminalScrollback: 5000,
});

/** Some keys, each valid; unknown keys are refused, not dropped. */
export const ZSettingsPatch = ZSettingValues.partial().strict();
export type SettingsPatch = z.infer<typeof ZSettingsPatch>;

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

/** Where a resolved value came from. */
export type SettingSource = "builtIn" | "organization" | "user";

/** Every key's value in effect, and where each came from. */
export interface ResolvedSettings {
  values: SettingValues;
  sources: Record<SettingKey, SettingSource>;
}

/** The person's value, else the organization's default, else the built-in one. */
export function resolveSettings(
  user: SettingsPatch | undefined,
  organization: SettingsPatch | undefined,
): ResolvedSettings {
  const values = { ...BUILT_IN_SETTINGS } as Record<SettingKey, unknown>;
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const key of SETTING_KEYS) {
    sources[key] = "builtIn";
    if (organization?.[key] !== undefined) {
      values[key] = organization[key];
      sources[key] = "organization";
    }
    if (user?.[key] !== undefined) {
      values[key] = user[key];
      sources[key] = "user";
    }
  }
  return { values: values as SettingValues, sources };
}
