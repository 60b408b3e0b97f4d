/**
 * The one place fs.* procedures get a session's files: the session's access check, then
 * the files of its folder through @hearth/runtime, which confines every path to it.
 */
import type { WorkspaceFile, WorkspaceSessionMeta } from "@hearth/db";
import { WorkspaceFiles } from "@hearth/runtime";
import { z } from "zod";
import type { Context } from "../../context";
import type { SessionUser } from "../../lib/authenticate";
import { type WorkspaceAccess, workspaceFolder, ZWorkspaceId } from "../workspace/access";

export { ZWorkspaceId };

/**
 * A workspace-relative path. Its rules (no `..`, nothing absolute, no NUL, names of at most
 * 255 bytes, paths of at most 4096, nothing leading outside through a symlink) are checked
 * by @hearth/runtime on the resolved real path, each refusal with its own sentence.
 */
export const ZFsPath = z.string().max(16_384);

type Ctx = Pick<Context, "repos" | "config"> & { user: SessionUser };

export interface SessionFiles {
  meta: WorkspaceSessionMeta;
  isOwner: boolean;
  files: WorkspaceFiles;
}

// One WorkspaceFiles per folder, so its quick-open index outlives a request.
const opened = new Map<string, Promise<WorkspaceFiles>>();
const MAX_OPEN = 64;

function filesAt(folder: string, maxFileBytes: number): Promise<WorkspaceFiles> {
  const key = `${maxFileBytes}:${folder}`;
  let files = opened.get(key);
  if (files) {
    opened.delete(key); // most recently used last
  } else {
    if (opened.size >= MAX_OPEN) opened.delete(opened.keys().next().value!);
    files = WorkspaceFiles.open(folder, { maxFileBytes });
    files.catch(() => opened.delete(key));
  }
  opened.set(key, files);
  return files;
}

/**
 * The files of session `workspaceId` for a caller who may `need` them: its owner reads
 * and writes, members it is shared with read (writes FORBIDDEN), anyone else NOT_FOUND.
 */
export async function sessionFiles(
  ctx: Ctx,
  workspaceId: string,
  need: Extract<WorkspaceAccess, "read" | "write">,
): Promise<SessionFiles> {
  const { meta, isOwner, folder } = await workspaceFolder(ctx, workspaceId, need);
  return { meta, isOwner, files: await filesAt(folder, ctx.config.maxFileBytes) };
}

/** A File model record as callers see it. */
export interface WorkspaceFileOutput {
  workspaceId: string;
  path: string;
  language: string;
  size: number;
  lastOpenedAt: string | null;
  lastEditedAt: string | null;
  openCount: number;
}

export function toFileOutput(f: WorkspaceFile): WorkspaceFileOutput {
  return {
    workspaceId: f.sessionId,
    path: f.path,
    language: f.language,
    size: f.size,
    lastOpenedAt: f.lastOpenedAt,
    lastEditedAt: f.lastEditedAt,
    openCount: f.openCount,
  };
}
