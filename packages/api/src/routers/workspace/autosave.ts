import {
  NotFoundError,
  NotOwnerError,
  type SaveWorkspaceInput,
  ZBreakpoint,
  ZDebugState,
  ZEditorState,
  ZIsoDate,
  ZMemoryState,
  ZOpenTab,
  ZTerminalState,
} from "@hearth/db";
import { z } from "zod";
import type { Context } from "../../context";
import { ZBufferPath } from "../../lib/key-text";
import { requireWriter } from "../../lib/roles";
import { authedInTxProcedure } from "../../trpc";
import { ZWorkspaceId } from "./access";

// Bounds keep every input far inside what the store takes per key and per save; larger
// inputs are refused as BAD_REQUEST before anything is read or written.
const MAX_ITEMS = 1000;

/**
 * Any JSON value, checked by hand: z.json() costs ~16 µs on a small view state, most of
 * what validating an autosave costs, for a value that over HTTP is JSON by construction.
 */
const ZJsonValue = z.custom<JsonValue>(
  (v) => isJsonValue(v, 0),
  "Expected a JSON value (objects, arrays, strings, finite numbers, booleans, null).",
);

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

function isJsonValue(v: unknown, depth: number): boolean {
  if (v === null) return true;
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object": {
      if (depth > 64) return false;
      if (Array.isArray(v)) return v.every((item) => isJsonValue(item, depth + 1));
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in v) {
        if (!isJsonValue((v as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
const ZText = z.string().max(100_000);

// Each part is the stored state's model (@hearth/db) with the bounds an autosave takes.

export const ZEditorInput = ZEditorState.extend({
  activeTabIndex: ZEditorState.shape.activeTabIndex.max(MAX_ITEMS),
  openTabs: z.array(ZOpenTab.extend({ viewState: ZJsonValue })).max(MAX_ITEMS),
});

export const ZTerminalInput = ZTerminalState.extend({
  commandHistory: z.array(ZText).max(100),
  environmentVars: z
    .record(z.string().min(1).max(1024), z.string().max(32_768))
    .refine((env) => Object.keys(env).length <= MAX_ITEMS, "At most 1000 variables."),
});

export const ZDebugInput = ZDebugState.extend({
  breakpoints: z.array(ZBreakpoint.extend({ condition: ZText.optional() })).max(10 * MAX_ITEMS),
  watchExpressions: z.array(ZText).max(MAX_ITEMS),
});

export const ZMemoryInput = ZMemoryState.extend({
  facts: z.array(ZText).max(10 * MAX_ITEMS),
  decisions: z.array(z.object({ text: ZText, at: ZIsoDate })).max(10 * MAX_ITEMS),
});

/** Unsaved text per file path; null drops the path's buffer. */
export const ZBuffersInput = z
  .record(ZBufferPath, z.string().nullable())
  .refine((b) => Object.keys(b).length <= MAX_ITEMS, "At most 1000 buffers per save.");

export const ZAutosaveInput = z.object({
  id: ZWorkspaceId,
  baseRev: z.number().int().min(0),
  editor: ZEditorInput.optional(),
  terminal: ZTerminalInput.optional(),
  debug: ZDebugInput.optional(),
  memory: ZMemoryInput.optional(),
  buffers: ZBuffersInput.optional(),
});
export type AutosaveInput = z.infer<typeof ZAutosaveInput>;

/**
 * Someone else's session: FORBIDDEN for a member it is shared with (read-only), and for
 * anyone else NOT_FOUND, as if it did not exist. Other failures pass through.
 */
async function refuseNonOwner(
  ctx: Pick<Context, "repos"> & { claims: { tid: string; sub: string } },
  id: string,
  err: unknown,
): Promise<never> {
  if (!(err instanceof NotOwnerError)) throw err;
  const shared = await ctx.repos.workspaceShares.sharedAmong(ctx.claims.tid, ctx.claims.sub, [id]);
  if (shared.has(id)) throw err;
  throw new NotFoundError("workspace session", id);
}

/**
 * Saves the parts given (each replaces the stored one; buffers patch per path) and bumps
 * rev. A stale baseRev is CONFLICT with `currentRev` in the error data; buffers that would
 * leave more unsaved text in the session than maxSessionBufferBytes are PAYLOAD_TOO_LARGE.
 */
export const autosaveWorkspace = authedInTxProcedure
  .input(ZAutosaveInput)
  .mutation(async ({ ctx, input }) => {
    // Only the parts given; set one by one (conditional spreads cost an object each).
    const parts: SaveWorkspaceInput = { baseRev: input.baseRev };
    if (input.editor) parts.editor = input.editor;
    if (input.terminal) parts.terminal = input.terminal;
    if (input.debug) parts.debug = input.debug;
    if (input.memory) parts.memory = input.memory;
    if (input.buffers) parts.buffers = input.buffers;
    // The sign-in, owner, rev and buffer cap checks all happen inside the save's one
    // transaction. The token's user and tenant are those of its session, which the check
    // confirms before anything else.
    const saved = await ctx.repos.workspaceSessions
      .save(ctx.claims.tid, input.id, parts, {
        now: ctx.now(),
        ownerId: ctx.claims.sub,
        maxBufferBytes: ctx.config.maxSessionBufferBytes,
        check: async (tx) => requireWriter(await ctx.userIn(tx)),
      })
      .catch((err: unknown) => refuseNonOwner(ctx, input.id, err));
    return { rev: saved.rev, savedAt: saved.savedAt };
  });
