import { z } from "zod";
import { ZIsoDate, ZRecordId } from "./common";

/**
 * What Hearth knows of one file of a workspace session: written by the fs procedures
 * (saves, renames, deletes) and by opening the file in the editor.
 */
export const ZWorkspaceFile = z.object({
  sessionId: ZRecordId,
  /** Workspace-relative, `/`-separated. */
  path: z.string().min(1).max(4096),
  /** The editor's language id (Monaco's), from the file name. */
  language: z.string().max(100),
  /** Bytes, when last saved or opened through Hearth. */
  size: z.number().int().min(0),
  lastOpenedAt: ZIsoDate.nullable(),
  lastEditedAt: ZIsoDate.nullable(),
  openCount: z.number().int().min(0),
});
export type WorkspaceFile = z.infer<typeof ZWorkspaceFile>;
