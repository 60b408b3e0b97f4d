import type { Store } from "@hearth/db";
import { sandboxConfigFromEnv, TerminalManager } from "@hearth/runtime";
import type { ApiLogger } from "../context";
import { repositoriesFor } from "./repositories";

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number.`);
  return n;
}

/**
 * The server's terminal manager, saving into the workspace sessions' terminal state.
 * Reads HEARTH_TERMINAL_SANDBOX, HEARTH_TERMINAL_NETWORK, HEARTH_MAX_TERMINALS_PER_USER
 * (default 5) and HEARTH_TERMINAL_IDLE_MINUTES (default 30).
 */
export function createTerminalManager(
  store: Store,
  env: NodeJS.ProcessEnv,
  log?: ApiLogger | undefined,
): TerminalManager {
  const repos = repositoriesFor(store);
  const idleMinutes = positive(env, "HEARTH_TERMINAL_IDLE_MINUTES");
  return new TerminalManager({
    store: {
      load: (ws) => repos.workspaceTerminals.get(ws.tenantId, ws.sessionId),
      save: (ws, save) => repos.workspaceTerminals.save(ws.tenantId, ws.sessionId, save),
    },
    sandbox: sandboxConfigFromEnv(env),
    maxLivePerUser: positive(env, "HEARTH_MAX_TERMINALS_PER_USER"),
    idleMs: idleMinutes === undefined ? undefined : idleMinutes * 60_000,
    // An owner who left the tenant (or was deactivated) loses their terminals.
    stillAllowed: async (ws) => {
      const member = await repos.users.getMembership(ws.tenantId, ws.ownerId);
      const user = member ? await repos.users.getById(ws.ownerId) : null;
      return member !== null && user?.isActive === true;
    },
    log,
  });
}
