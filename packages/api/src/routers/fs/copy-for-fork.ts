/** workspace.fork's copyFiles: the fork gets its own copy of the folder, under a new name. */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { copyFolder } from "@hearth/runtime";
import type { Context } from "../../context";
import type { SessionUser } from "../../lib/authenticate";
import { workspaceFolder } from "../workspace/access";

const MAX_NAME = 255;

export interface ForkFolder {
  /** The copy's folder name relative to the owner's root, for the fork's workspacePath. */
  workspacePath: string;
  /** Removes the copy (the fork could not be stored after all). */
  discard(): Promise<void>;
}

/**
 * Copies session `id`'s folder beside it as `<name>-fork-<random>`. Over the copy cap
 * (HEARTH_MAX_FORK_COPY_BYTES) it is PRECONDITION_FAILED naming the cap, nothing made.
 */
export async function copyFolderForFork(
  ctx: Pick<Context, "repos" | "config"> & { user: SessionUser },
  id: string,
): Promise<ForkFolder> {
  const { meta, folder } = await workspaceFolder(ctx, id, "write");
  const names = meta.workspacePath.split("/");
  const suffix = `-fork-${randomBytes(4).toString("hex")}`;
  const last = names.pop()!;
  const name = last.slice(0, MAX_NAME - suffix.length) + suffix;
  const target = join(dirname(folder), name);
  await copyFolder(folder, target, { maxBytes: ctx.config.maxForkCopyBytes });
  return {
    workspacePath: [...names, name].join("/"),
    discard: () => rm(target, { recursive: true, force: true }),
  };
}
