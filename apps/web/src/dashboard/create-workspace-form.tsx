"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { folderFromName, parseTags } from "./tags";

/** Name, folder (filled from the name until edited) and tags of a new workspace. */
export function CreateWorkspaceForm({ onCreated }: { onCreated?(id: string, name: string): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [folder, setFolder] = useState("");
  const [folderEdited, setFolderEdited] = useState(false);
  const [tags, setTags] = useState("");
  const create = useMutation(
    trpc.workspace.create.mutationOptions({
      onSuccess: (ws) => {
        void queryClient.invalidateQueries(trpc.workspace.pathFilter());
        setName("");
        setFolder("");
        setFolderEdited(false);
        setTags("");
        onCreated?.(ws.id, ws.name);
      },
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, path: folder, tags: parseTags(tags) });
  };

  return (
    <form onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">New workspace</h2>
      <ErrorAlert error={create.error} />
      <div className="field">
        <label htmlFor="ws-name">Name</label>
        <input
          id="ws-name"
          type="text"
          required
          maxLength={200}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (!folderEdited) setFolder(folderFromName(e.target.value));
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="ws-folder">Folder</label>
        <input
          id="ws-folder"
          type="text"
          required
          className="mono"
          aria-describedby="ws-folder-hint"
          value={folder}
          onChange={(e) => {
            setFolder(e.target.value);
            setFolderEdited(true);
          }}
        />
        <span id="ws-folder-hint" className="hint">
          Under your own root; created if missing. Two workspaces may share one folder.
        </span>
      </div>
      <div className="field">
        <label htmlFor="ws-tags">Tags</label>
        <input
          id="ws-tags"
          type="text"
          aria-describedby="ws-tags-hint"
          value={tags}
          onChange={(e) => setTags(e.target.value)}
        />
        <span id="ws-tags-hint" className="hint">
          Separated by commas, e.g. <code>api, docs</code>
        </span>
      </div>
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create workspace"}
      </button>
    </form>
  );
}
