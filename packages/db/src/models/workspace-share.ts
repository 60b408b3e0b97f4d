import { z } from "zod";
import { ZIsoDate, ZRecordId } from "./common";

/** (t,"ws_shares",sessionId,grantee): who shared the session read-only, and when. */
export const ZWorkspaceShareValue = z.object({
  sharedAt: ZIsoDate,
  sharedByUserId: ZRecordId,
});
export type WorkspaceShareValue = z.infer<typeof ZWorkspaceShareValue>;

/** Who a session is shared with: named members, and whether the whole tenant. */
export interface WorkspaceShares {
  userIds: string[];
  tenant: boolean;
}
