import type { TerminalManager, TerminalWorkspace } from "@hearth/runtime";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Context } from "../../context";
import { ForbiddenError } from "../../errors";
import { requireWriter } from "../../lib/roles";
import {
  requireWorkspaceAccess,
  type WorkspaceAccessCtx,
  workspaceFolder,
} from "../workspace/access";

export const ZTerminalId = z.string().regex(/^[0-9a-f]{16}$/, "Not a terminal id.");
export const ZCols = z.number().int().min(2).max(1000);
export const ZRows = z.number().int().min(1).max(500);
export const ZTerminalName = z.string().trim().min(1).max(100);

type Ctx = WorkspaceAccessCtx & Pick<Context, "config" | "terminals">;

/** The server's terminal manager; a server without one (tests of other parts) has none. */
export function terminalsOf(ctx: Pick<Context, "terminals">): TerminalManager {
  if (!ctx.terminals) {
    throw new TRPCError({
      code: "PRECONDITION_FAILED",
      message: "This server does not run terminals.",
    });
  }
  return ctx.terminals;
}

/**
 * A session's terminals as the caller may use them: `"write"` (open, type, resize, kill:
 * its owner, not as a Viewer) or `"read"` (watch: also members it is shared with). The one
 * access check of every terminal procedure, through the workspace's own.
 */
export async function terminalWorkspace(
  ctx: Ctx,
  workspaceId: string,
  need: "read" | "write",
): Promise<{ ws: TerminalWorkspace; isOwner: boolean }> {
  const { meta, folder, isOwner } = await workspaceFolder(ctx, workspaceId, need);
  return {
    ws: { tenantId: meta.tenantId, sessionId: meta.id, ownerId: meta.userId, folder },
    isOwner,
  };
}

/**
 * The running terminal `terminalId` if the caller may `need` it: one of another tenant's,
 * or of a session the caller may not read, is as missing as one that does not exist.
 */
export async function terminalFor(
  ctx: Ctx,
  terminalId: string,
  need: "write",
): Promise<TerminalManager> {
  const terminals = terminalsOf(ctx);
  const ws = terminals.workspaceOf(terminalId);
  if (!ws || ws.tenantId !== ctx.user.tenantId) {
    throw new TRPCError({ code: "NOT_FOUND", message: "That terminal does not exist." });
  }
  if (ws.ownerId === ctx.user.id) {
    // Every keystroke comes here: the owner of a session never changes, and the caller's
    // role and membership were read with their session just now, so no other read is
    // needed. (A deleted session's terminals have already ended.)
    requireWriter(ctx.user);
  } else {
    // Anyone else is refused as the workspace refuses them (FORBIDDEN or NOT_FOUND).
    await requireWorkspaceAccess(ctx, ws.sessionId, need);
    throw new ForbiddenError("Only the owner of this workspace session can use its terminals.");
  }
  return terminals;
}
