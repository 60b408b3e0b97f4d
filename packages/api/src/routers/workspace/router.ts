import { router } from "../../trpc";
import { autosaveWorkspace } from "./autosave";
import { workspaceChildren } from "./children";
import { createWorkspace } from "./create";
import { deleteWorkspace } from "./delete";
import { forkWorkspace } from "./fork";
import { getWorkspace } from "./get";
import { listWorkspaces } from "./list";
import { relatedWorkspaces } from "./related";
import { shareWorkspace, unshareWorkspace } from "./share";
import { sharedWithMe } from "./shared-with-me";
import { updateWorkspace } from "./update";

export const workspaceRouter = router({
  create: createWorkspace,
  get: getWorkspace,
  list: listWorkspaces,
  related: relatedWorkspaces,
  children: workspaceChildren,
  fork: forkWorkspace,
  autosave: autosaveWorkspace,
  update: updateWorkspace,
  delete: deleteWorkspace,
  share: shareWorkspace,
  unshare: unshareWorkspace,
  sharedWithMe,
});
