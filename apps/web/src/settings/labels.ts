import type { SettingKey, SettingSource } from "@hearth/db/settings";

/** How each preference is named on the settings page, grouped as the page shows them. */
export const SETTING_GROUPS: ReadonlyArray<{ title: string; keys: readonly SettingKey[] }> = [
  {
    title: "Editor",
    keys: ["theme", "editorFontSize", "tabSize", "insertSpaces", "wordWrap", "minimap"],
  },
  { title: "Saving", keys: ["autosaveDelayMs", "saveFilesToDisk"] },
  { title: "Terminal", keys: ["terminalFontSize", "terminalCursorStyle", "terminalScrollback"] },
];

export const SETTING_LABELS: Record<SettingKey, string> = {
  theme: "Theme",
  editorFontSize: "Editor font size",
  tabSize: "Tab size",
  insertSpaces: "Insert spaces when pressing Tab",
  wordWrap: "Word wrap",
  minimap: "Show the minimap",
  autosaveDelayMs: "Autosave delay (milliseconds)",
  saveFilesToDisk: "Save files to disk automatically",
  terminalFontSize: "Terminal font size",
  terminalCursorStyle: "Terminal cursor",
  terminalScrollback: "Terminal scrollback (lines)",
};

/** The words for each choice of the keys that have choices. */
export const CHOICE_LABELS: Record<string, string> = {
  dark: "Dark",
  light: "Light",
  highContrast: "High contrast",
  off: "Off",
  on: "On",
  afterDelay: "After the autosave delay",
  onFocusChange: "When the editor loses focus",
  block: "Block",
  underline: "Underline",
  bar: "Bar",
};

export const SOURCE_LABELS: Record<SettingSource, string> = {
  user: "Yours",
  organization: "Organization default",
  builtIn: "Default",
};
