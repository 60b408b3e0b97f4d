import { sameJson } from "../state/ide-store";
import type { PartsPatch, SessionParts } from "../state/types";

/** The parts of `now` that differ from what the server last stored; buffers per path. */
export function diffParts(saved: SessionParts, now: SessionParts): PartsPatch {
  const patch: PartsPatch = {};
  if (!sameJson(saved.editor, now.editor)) patch.editor = now.editor;
  if (!sameJson(saved.debug, now.debug)) patch.debug = now.debug;
  if (!sameJson(saved.memory, now.memory)) patch.memory = now.memory;
  if (saved.buffers !== now.buffers) {
    const buffers: Record<string, string | null> = {};
    let changed = false;
    for (const [path, text] of Object.entries(now.buffers)) {
      if (saved.buffers[path] !== text) {
        buffers[path] = text;
        changed = true;
      }
    }
    for (const path of Object.keys(saved.buffers)) {
      if (!(path in now.buffers)) {
        buffers[path] = null;
        changed = true;
      }
    }
    if (changed) patch.buffers = buffers;
  }
  return patch;
}

export function isEmptyPatch(patch: PartsPatch): boolean {
  return !patch.editor && !patch.debug && !patch.memory && !patch.buffers;
}

/** `saved` after the server stored `patch`. */
export function applyPatch(saved: SessionParts, patch: PartsPatch): SessionParts {
  const buffers = { ...saved.buffers };
  for (const [path, text] of Object.entries(patch.buffers ?? {})) {
    if (text === null) delete buffers[path];
    else buffers[path] = text;
  }
  return {
    editor: patch.editor ?? saved.editor,
    debug: patch.debug ?? saved.debug,
    memory: patch.memory ?? saved.memory,
    buffers,
  };
}

/** Only the parts other than buffers: small enough for a keepalive request. */
export function withoutBuffers(patch: PartsPatch): PartsPatch {
  const { buffers: _, ...rest } = patch;
  return rest;
}
