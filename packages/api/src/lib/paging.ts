import { z } from "zod";

export const ZPageLimit = z.number().int().min(1).max(100);
/** Opaque cursors handed out by listings. */
export const ZCursor = z.string().max(4096).nullable();
/** `{limit?, cursor?}`, itself optional: the input of every plain paged listing. */
export const ZPageInput = z
  .object({ limit: ZPageLimit.optional(), cursor: ZCursor.optional() })
  .optional();
