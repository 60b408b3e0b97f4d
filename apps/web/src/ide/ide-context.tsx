"use client";
import { createContext, useContext } from "react";
import { useStore } from "zustand";
import type { HearthClient } from "../lib/api-client";
import type { Autosaver } from "./autosave/autosave";
import type { EditorModels } from "./editor/models";
import type { WorkspaceFileService } from "./file-tree/files";
import type { IdeActions, IdeState, IdeStore } from "./state/ide-store";

/** What every part of the IDE page shares: the one store, the files, the API client. */
export interface IdeServices {
  store: IdeStore;
  files: WorkspaceFileService;
  models: EditorModels;
  client: HearthClient;
  autosaver: Autosaver | null;
  /** The session's owner as a person reads it, when it is someone else's. */
  ownerName: string | null;
}

const IdeContext = createContext<IdeServices | null>(null);

export const IdeProvider = IdeContext.Provider;

export function useIde(): IdeServices {
  const ide = useContext(IdeContext);
  if (!ide) throw new Error("useIde outside the IDE page");
  return ide;
}

/** A slice of the IDE state; re-renders when that slice changes. */
export function useIdeState<T>(select: (state: IdeState & IdeActions) => T): T {
  return useStore(useIde().store, select);
}
