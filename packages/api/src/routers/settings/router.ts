import { router } from "../../trpc";
import { settingsChangesSubscription } from "./changes";
import { getSettingsDefaults, updateSettingsDefaults } from "./defaults";
import { getSettings } from "./get";
import { resetSettings } from "./reset";
import { updateSettings } from "./update";

export const settingsRouter = router({
  get: getSettings,
  update: updateSettings,
  reset: resetSettings,
  getDefaults: getSettingsDefaults,
  updateDefaults: updateSettingsDefaults,
  changes: settingsChangesSubscription,
});
