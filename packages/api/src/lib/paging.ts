import { z } from "zod";

export const ZPageLimit = z.number().int().min(1).max(100);
/** Opaque cursors handed out by listings. */
export const ZCursor = z.string().max(4096).nullable();
