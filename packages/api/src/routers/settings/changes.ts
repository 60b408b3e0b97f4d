import type { ResolvedSettings } from "@hearth/db";
import { settingsChanges } from "../../lib/settings-changes";
import { authedProcedure } from "../../trpc";

/**
 * The caller's settings now, and again after every change to their own values (from any
 * tab or device) or to their tenant's defaults (subscription, over the WebSocket).
 */
export const settingsChangesSubscription = authedProcedure.subscription(async function* ({
  ctx,
  signal,
}): AsyncGenerator<ResolvedSettings> {
  let changed = true;
  let wake: (() => void) | undefined;
  const stop = settingsChanges.watch(ctx.user.id, ctx.user.tenantId, () => {
    changed = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  try {
    while (!signal?.aborted) {
      if (!changed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      changed = false;
      yield await ctx.repos.settings.resolved(ctx.user.tenantId, ctx.user.id);
    }
  } finally {
    stop();
    signal?.removeEventListener("abort", onAbort);
  }
});
