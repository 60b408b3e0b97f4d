import type { Role } from "@hearth/db";
import { ForbiddenError } from "../errors";

/** Viewers read; everyone else may change what they own. */
function canWrite(role: Role): boolean {
  return role !== "Viewer";
}

export function requireWriter(user: { role: Role }): void {
  if (!canWrite(user.role)) {
    throw new ForbiddenError("Viewers can look at workspaces but not change them.");
  }
}
