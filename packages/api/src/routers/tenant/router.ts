import { router } from "../../trpc";
import { createOrganization } from "./create-organization";
import { tenantCurrent } from "./current";
import { deleteTenant } from "./delete";
import { tenantInvitations } from "./invitations";
import { invite } from "./invite";
import { tenantMembers } from "./members";
import { removeMember } from "./remove-member";
import { revokeInvitation } from "./revoke-invitation";
import { setRole } from "./set-role";
import { switchTenant } from "./switch";
import { updateTenant } from "./update";
import { tenantUsage } from "./usage";
import { tenantWorkspaces } from "./workspaces";

export const tenantRouter = router({
  current: tenantCurrent,
  update: updateTenant,
  createOrganization,
  switch: switchTenant,
  members: tenantMembers,
  invite,
  invitations: tenantInvitations,
  revokeInvitation,
  setRole,
  removeMember,
  delete: deleteTenant,
  workspaces: tenantWorkspaces,
  usage: tenantUsage,
});
