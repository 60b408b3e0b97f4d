import { z } from "zod";
import { authedProcedure } from "../../trpc";
import { terminalFor, ZCols, ZRows, ZTerminalId } from "./shared";

export const ZTerminalInput = z.object({
  terminalId: ZTerminalId,
  data: z
    .string()
    .min(1)
    .max(64 * 1024),
});

/** Keys typed (or text pasted) into a running terminal; its owner only. */
export const terminalInput = authedProcedure
  .input(ZTerminalInput)
  .mutation(async ({ ctx, input }) => {
    (await terminalFor(ctx, input.terminalId, "write")).input(input.terminalId, input.data);
    return { ok: true as const };
  });

export const ZResizeTerminalInput = z.object({ terminalId: ZTerminalId, cols: ZCols, rows: ZRows });

/** The terminal's size in characters, as the owner's view has it. */
export const resizeTerminal = authedProcedure
  .input(ZResizeTerminalInput)
  .mutation(async ({ ctx, input }) => {
    const terminals = await terminalFor(ctx, input.terminalId, "write");
    terminals.resize(input.terminalId, input.cols, input.rows);
    return { ok: true as const };
  });
