import { router } from "../trpc";
import { auditRouter } from "./audit/router";
import { authRouter } from "./auth/router";
import { tenantRouter } from "./tenant/router";
import { workspaceRouter } from "./workspace/router";

export const appRouter = router({
  auth: authRouter,
  tenant: tenantRouter,
  workspace: workspaceRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
