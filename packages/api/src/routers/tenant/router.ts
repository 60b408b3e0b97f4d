import { router } from "../../trpc";
import { addMember } from "./add-member";
import { createOrganization } from "./create-organization";
import { tenantCurrent } from "./current";
import { deleteTenant } from "./delete";
import { tenantMembers } from "./members";
import { removeMember } from "./remove-member";
import { switchTenant } from "./switch";
import { updateTenant } from "./update";
import { tenantWorkspaces } from "./workspaces";

export const tenantRouter = router({
  current: tenantCurrent,
  update: updateTenant,
  createOrganization,
  switch: switchTenant,
  members: tenantMembers,
  addMember,
  removeMember,
  delete: deleteTenant,
  workspaces: tenantWorkspaces,
});
