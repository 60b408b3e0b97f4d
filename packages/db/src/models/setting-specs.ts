/**
 * The preference keys, their allowed values and built-in defaults, as plain data: the
 * browser reads them (`@hearth/db/settings`) to draw the settings page and to start with
 * before the server's answer; `setting.ts` builds the validating schema from them.
 */
export const SETTING_SPECS = {
  /** Monaco's and the terminal's colours. */
  theme: { kind: "choice", choices: ["dark", "light", "highContrast"], builtIn: "dark" },
  editorFontSize: { kind: "int", min: 8, max: 40, builtIn: 14 },
  tabSize: { kind: "int", min: 1, max: 8, builtIn: 4 },
  insertSpaces: { kind: "bool", builtIn: true },
  wordWrap: { kind: "choice", choices: ["off", "on"], builtIn: "off" },
  minimap: { kind: "bool", builtIn: false },
  /** How long after the last change the session (unsaved text included) is stored. */
  autosaveDelayMs: { kind: "int", min: 100, max: 10_000, builtIn: 500 },
  /** Whether modified files are also written to disk without Ctrl+S, and when. */
  saveFilesToDisk: {
    kind: "choice",
    choices: ["off", "afterDelay", "onFocusChange"],
    builtIn: "off",
  },
  terminalFontSize: { kind: "int", min: 8, max: 40, builtIn: 13 },
  terminalCursorStyle: { kind: "choice", choices: ["block", "underline", "bar"], builtIn: "block" },
  terminalScrollback: { kind: "int", min: 100, max: 100_000, builtIn: 5000 },
} as const;

type Specs = typeof SETTING_SPECS;
export type SettingKey = keyof Specs;

type ValueOf<S> = S extends { kind: "choice"; choices: readonly (infer C)[] }
  ? C
  : S extends { kind: "int" }
    ? number
    : boolean;

/** Every key's value. */
export type SettingValues = { -readonly [K in SettingKey]: ValueOf<Specs[K]> };
/** Some keys' values. */
export type SettingsPatch = Partial<SettingValues>;

export const SETTING_KEYS = Object.keys(SETTING_SPECS) as SettingKey[];

/** What Hearth uses when neither the person nor their organization set a key. */
export const BUILT_IN_SETTINGS: Readonly<SettingValues> = Object.freeze(
  Object.fromEntries(SETTING_KEYS.map((k) => [k, SETTING_SPECS[k].builtIn])) as SettingValues,
);

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
