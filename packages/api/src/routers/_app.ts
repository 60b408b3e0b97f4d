import { router } from "../trpc";
import { auditRouter } from "./audit/router";
import { authRouter } from "./auth/router";
import { fsRouter } from "./fs/router";
import { settingsRouter } from "./settings/router";
import { tenantRouter } from "./tenant/router";
import { terminalRouter } from "./terminal/router";
import { workspaceRouter } from "./workspace/router";

export const appRouter = router({
  auth: authRouter,
  tenant: tenantRouter,
  workspace: workspaceRouter,
  audit: auditRouter,
  terminal: terminalRouter,
  fs: fsRouter,
  settings: settingsRouter,
});

export type AppRouter = typeof appRouter;
