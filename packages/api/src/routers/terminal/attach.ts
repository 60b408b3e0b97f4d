import type { TerminalEvent } from "@hearth/runtime";
import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { ZWorkspaceId } from "../workspace/access";
import { terminalsOf, terminalWorkspace, ZCols, ZRows, ZTerminalId } from "./shared";

export const ZAttachTerminalInput = z.object({
  workspaceId: ZWorkspaceId,
  terminalId: ZTerminalId.optional(),
  cols: ZCols,
  rows: ZRows,
});

/**
 * Opens or re-attaches a terminal (subscription, over the WebSocket): `ready`, then the
 * screen as it is now in one `data` event, then live output, and `exit` when the shell
 * ends. Its owner attaches to the terminal named, else the active one, else a new one, and
 * a saved terminal that is not running is revived. Members it is shared with watch a
 * running terminal read-only.
 */
export const attachTerminal = authedProcedure
  .input(ZAttachTerminalInput)
  // Refusals happen before the stream is returned, so they pass through the error mapping
  // like any other call's; only events come from the stream.
  .subscription(async ({ ctx, input, signal }): Promise<AsyncGenerator<TerminalEvent>> => {
    const { ws, isOwner } = await terminalWorkspace(ctx, input.workspaceId, "read");
    const readOnly = !isOwner || ctx.user.role === "Viewer";
    const client = await terminalsOf(ctx).attach(ws, {
      terminalId: input.terminalId,
      cols: input.cols,
      rows: input.rows,
      readOnly,
      transportBacklog: ctx.req.socketBacklog,
    });
    return client.events(signal);
  });
