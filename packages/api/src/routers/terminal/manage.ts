import type { TerminalInfo } from "@hearth/runtime";
import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { ZWorkspaceId } from "../workspace/access";
import {
  terminalFor,
  terminalsOf,
  terminalWorkspace,
  ZCols,
  ZRows,
  ZTerminalId,
  ZTerminalName,
} from "./shared";

/** A session's terminals in tab order: `{id, name, live, active, cwd}`. */
export const listTerminals = authedProcedure
  .input(z.object({ workspaceId: ZWorkspaceId }))
  .query(async ({ ctx, input }): Promise<TerminalInfo[]> => {
    const { ws } = await terminalWorkspace(ctx, input.workspaceId, "read");
    return terminalsOf(ctx).list(ws);
  });

export const ZCreateTerminalInput = z.object({
  workspaceId: ZWorkspaceId,
  name: ZTerminalName.optional(),
  cols: ZCols.default(80),
  rows: ZRows.default(24),
});

/** A new terminal (a new tab), which becomes the active one; attach to see it. */
export const createTerminal = authedProcedure
  .input(ZCreateTerminalInput)
  .mutation(async ({ ctx, input }): Promise<TerminalInfo> => {
    const { ws } = await terminalWorkspace(ctx, input.workspaceId, "write");
    return terminalsOf(ctx).create(ws, input);
  });

export const renameTerminal = authedProcedure
  .input(z.object({ terminalId: ZTerminalId, name: ZTerminalName }))
  .mutation(async ({ ctx, input }): Promise<TerminalInfo> => {
    const terminals = await terminalFor(ctx, input.terminalId, "write");
    return terminals.rename(input.terminalId, input.name);
  });

/** Ends a terminal for good: its shell stops, its tab and saved state go. */
export const killTerminal = authedProcedure
  .input(z.object({ terminalId: ZTerminalId }))
  .mutation(async ({ ctx, input }) => {
    (await terminalFor(ctx, input.terminalId, "write")).kill(input.terminalId);
    return { ok: true as const };
  });
