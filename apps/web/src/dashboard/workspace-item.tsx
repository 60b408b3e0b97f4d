"use client";
import type { WorkspaceMetaOutput } from "@hearth/api";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { useTRPC } from "../lib/trpc";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorAlert } from "../ui/error-alert";
import { timeAgo } from "../ui/time";
import { parseTags } from "./tags";

type Editing = "rename" | "tags" | "fork" | null;

/** One of the caller's workspaces: its link, what it is, and what can be done to it. */
export function WorkspaceItem({
  ws,
  parentName,
  activeTag,
  onTag,
}: {
  ws: WorkspaceMetaOutput;
  /** The name of the session it was forked from, when that one is listed too. */
  parentName?: string | undefined;
  activeTag: string | null;
  onTag(tag: string | null): void;
}) {
  const [editing, setEditing] = useState<Editing>(null);
  const [showForks, setShowForks] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const toggle = (what: Exclude<Editing, null>) => setEditing(editing === what ? null : what);

  return (
    <li aria-label={ws.name}>
      <div className="ws-line">
        <Link className="ws-name" href={`/w/${ws.id}`}>
          {ws.name}
        </Link>
        <span className="meta mono">{ws.workspacePath}</span>
        <span className="meta">active {timeAgo(ws.lastActiveAt)}</span>
        {parentName ? <span className="meta">fork of {parentName}</span> : null}
        {ws.tags.length > 0 ? (
          <span className="tags">
            {ws.tags.map((tag) => (
              <button
                key={tag}
                type="button"
                className="tag"
                aria-pressed={activeTag === tag}
                title={activeTag === tag ? "Show every workspace" : `Show workspaces tagged ${tag}`}
                onClick={() => onTag(activeTag === tag ? null : tag)}
              >
                {tag}
              </button>
            ))}
          </span>
        ) : null}
      </div>
      <div className="actions ws-actions">
        <button
          type="button"
          className="small"
          aria-label={`Rename ${ws.name}`}
          aria-expanded={editing === "rename"}
          onClick={() => toggle("rename")}
        >
          Rename
        </button>
        <button
          type="button"
          className="small"
          aria-label={`Edit tags of ${ws.name}`}
          aria-expanded={editing === "tags"}
          onClick={() => toggle("tags")}
        >
          Tags
        </button>
        <button
          type="button"
          className="small"
          aria-label={`Fork ${ws.name}`}
          aria-expanded={editing === "fork"}
          onClick={() => toggle("fork")}
        >
          Fork
        </button>
        <button
          type="button"
          className="small"
          aria-label={`Forks of ${ws.name}`}
          aria-expanded={showForks}
          onClick={() => setShowForks(!showForks)}
        >
          Forks
        </button>
        <button
          type="button"
          className="small danger"
          aria-label={`Delete ${ws.name}`}
          onClick={() => setDeleting(true)}
        >
          Delete
        </button>
      </div>
      {editing === "rename" ? <RenameForm ws={ws} onDone={() => setEditing(null)} /> : null}
      {editing === "tags" ? <TagsForm ws={ws} onDone={() => setEditing(null)} /> : null}
      {editing === "fork" ? <ForkForm ws={ws} onDone={() => setEditing(null)} /> : null}
      {showForks ? <ForkList id={ws.id} /> : null}
      <DeleteWorkspace ws={ws} open={deleting} onClose={() => setDeleting(false)} />
    </li>
  );
}

function useInvalidateWorkspaces() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries(trpc.workspace.pathFilter());
}

/** A small form under the row, with one field, a submit button and Cancel. */
function InlineForm({
  label,
  submitLabel,
  busy,
  error,
  onSubmit,
  onCancel,
  children,
}: {
  label: string;
  submitLabel: string;
  busy: boolean;
  error: unknown;
  onSubmit(): void;
  onCancel(): void;
  children: ReactNode;
}) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit();
  };
  return (
    <form className="row-form" aria-label={label} onSubmit={submit}>
      <ErrorAlert error={error} />
      {children}
      <div className="actions">
        <button type="submit" className="primary small" disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" className="small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RenameForm({ ws, onDone }: { ws: WorkspaceMetaOutput; onDone(): void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateWorkspaces();
  const id = useId();
  const [name, setName] = useState(ws.name);
  const update = useMutation(
    trpc.workspace.update.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onDone();
      },
    }),
  );
  return (
    <InlineForm
      label={`Rename ${ws.name}`}
      submitLabel="Save name"
      busy={update.isPending}
      error={update.error}
      onSubmit={() => update.mutate({ id: ws.id, name })}
      onCancel={onDone}
    >
      <div className="field">
        <label htmlFor={id}>New name</label>
        <input
          id={id}
          type="text"
          required
          maxLength={200}
          // biome-ignore lint/a11y/noAutofocus: the person just asked to rename this.
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
    </InlineForm>
  );
}

function TagsForm({ ws, onDone }: { ws: WorkspaceMetaOutput; onDone(): void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateWorkspaces();
  const id = useId();
  const [tags, setTags] = useState(ws.tags.join(", "));
  const update = useMutation(
    trpc.workspace.update.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onDone();
      },
    }),
  );
  return (
    <InlineForm
      label={`Tags of ${ws.name}`}
      submitLabel="Save tags"
      busy={update.isPending}
      error={update.error}
      onSubmit={() => update.mutate({ id: ws.id, tags: parseTags(tags) })}
      onCancel={onDone}
    >
      <div className="field">
        <label htmlFor={id}>Tags</label>
        <input
          id={id}
          type="text"
          // biome-ignore lint/a11y/noAutofocus: the person just asked to edit the tags.
          autoFocus
          aria-describedby={`${id}-hint`}
          value={tags}
          onChange={(e) => setTags(e.target.value)}
        />
        <span id={`${id}-hint`} className="hint">
          Separated by commas; empty removes every tag.
        </span>
      </div>
    </InlineForm>
  );
}

function ForkForm({ ws, onDone }: { ws: WorkspaceMetaOutput; onDone(): void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidateWorkspaces();
  const id = useId();
  const [name, setName] = useState(`${ws.name} (fork)`);
  const [copyFiles, setCopyFiles] = useState(false);
  const fork = useMutation(
    trpc.workspace.fork.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onDone();
      },
    }),
  );
  return (
    <InlineForm
      label={`Fork ${ws.name}`}
      submitLabel="Create fork"
      busy={fork.isPending}
      error={fork.error}
      onSubmit={() => fork.mutate({ id: ws.id, name, copyFiles })}
      onCancel={onDone}
    >
      <div className="field">
        <label htmlFor={id}>Name of the fork</label>
        <input
          id={id}
          type="text"
          required
          maxLength={200}
          // biome-ignore lint/a11y/noAutofocus: the person just asked to fork this.
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <div className="checkbox">
        <input
          id={`${id}-copy`}
          type="checkbox"
          checked={copyFiles}
          onChange={(e) => setCopyFiles(e.target.checked)}
        />
        <label htmlFor={`${id}-copy`}>Copy the files into a folder of its own</label>
      </div>
      <p className="hint">
        {copyFiles
          ? "The fork gets its own copy of the folder; changes in one leave the other alone."
          : `The fork opens the same folder, ${ws.workspacePath}, with its own tabs, unsaved text and terminal.`}
      </p>
    </InlineForm>
  );
}

function ForkList({ id }: { id: string }) {
  const trpc = useTRPC();
  const children = useQuery(trpc.workspace.children.queryOptions({ id }));
  if (children.isPending) return <p className="hint">Loading forks…</p>;
  if (children.isError) {
    return <ErrorAlert error={children.error} />;
  }
  if (children.data.items.length === 0) return <p className="empty">No forks yet.</p>;
  return (
    <ul className="sub-list" aria-label="Forks">
      {children.data.items.map((child) => (
        <li key={child.id}>
          <Link href={`/w/${child.id}`}>{child.name}</Link>{" "}
          <span className="meta">forked {timeAgo(child.createdAt)}</span>
        </li>
      ))}
    </ul>
  );
}

function DeleteWorkspace({
  ws,
  open,
  onClose,
}: {
  ws: WorkspaceMetaOutput;
  open: boolean;
  onClose(): void;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateWorkspaces();
  const del = useMutation(
    trpc.workspace.delete.mutationOptions({
      onSuccess: async () => {
        onClose();
        await invalidate();
      },
    }),
  );
  return (
    <ConfirmDialog
      open={open}
      title={`Delete “${ws.name}”?`}
      confirmLabel="Delete workspace"
      busy={del.isPending}
      error={del.error}
      onConfirm={() => del.mutate({ id: ws.id })}
      onCancel={() => {
        del.reset();
        onClose();
      }}
    >
      <p>
        Its open tabs, unsaved text, terminal history and notes are removed for good. The files in{" "}
        <code>{ws.workspacePath}</code> stay on disk.
      </p>
    </ConfirmDialog>
  );
}
