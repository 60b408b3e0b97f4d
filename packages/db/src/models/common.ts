import { z } from "zod";

/** Dates travel and are stored as ISO-8601 strings. */
export const ZIsoDate = z.iso.datetime();

/** Record ids: short, printable, and never the global prefix "g". */
export const ZRecordId = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[0-9A-Za-z_-]+$/, "ids are letters, digits, _ and -");

export const ZEmail = z.email().max(254);

/** A page of a listing; nextCursor is opaque and null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}
