"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import { useIde, useIdeState } from "../ide-context";
import type { TreeEntry } from "./files";

/** Folders are listed again this often, so files made in the terminal show up. */
const REFRESH_MS = 2000;

type Editing =
  | { kind: "new-file" | "new-folder"; parent: string }
  | { kind: "rename"; path: string }
  | null;

function join(parent: string, name: string): string {
  return parent ? `${parent}/${name}` : name;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** The workspace's files: open, create, rename, move (drag onto a folder) and delete. */
export function FileTree() {
  const { files, store } = useIde();
  const queryClient = useQueryClient();
  const readOnly = useIdeState((s) => s.readOnly);
  // Which folders are open is part of the session: it comes back on reload, anywhere.
  const expandedFolders = useIdeState((s) => s.expandedFolders);
  const expanded = useMemo(() => new Set(["", ...expandedFolders]), [expandedFolders]);
  const expand = (path: string) => store.getState().toggleFolder(path, true);
  const [selected, setSelected] = useState<{ path: string; kind: TreeEntry["kind"] } | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: ["fs.list"] });
  const selectedFolder = selected
    ? selected.kind === "directory"
      ? selected.path
      : parentOf(selected.path)
    : "";

  async function act(work: () => Promise<void>) {
    setError(null);
    try {
      await work();
      await refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  function start(kind: "new-file" | "new-folder" | "rename") {
    setError(null);
    if (kind === "rename") {
      if (!selected) return;
      setEditing({ kind, path: selected.path });
      setName(selected.path);
    } else {
      setEditing({ kind, parent: selectedFolder });
      setName("");
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const edit = editing;
    const value = name.trim();
    if (!edit || !value) return;
    setEditing(null);
    void act(async () => {
      if (edit.kind === "rename") {
        if (value === edit.path) return;
        await files.rename(edit.path, value);
        store.getState().pathRenamed(edit.path, value);
        setSelected((s) => (s ? { ...s, path: value } : s));
        return;
      }
      const path = join(edit.parent, value);
      if (edit.kind === "new-folder") {
        await files.mkdir(path);
        expand(path);
      } else {
        await files.write(path, "");
        store.getState().openFile(path);
      }
      expand(edit.parent);
    });
  }

  function remove() {
    if (!selected) return;
    const { path } = selected;
    if (!window.confirm(`Delete ${path}? This cannot be undone.`)) return;
    void act(async () => {
      await files.remove(path);
      store.getState().pathDeleted(path);
      setSelected(null);
    });
  }

  function move(from: string, toFolder: string) {
    const to = join(toFolder, from.split("/").pop() ?? from);
    if (to === from || toFolder === from || toFolder.startsWith(`${from}/`)) return;
    void act(async () => {
      await files.rename(from, to);
      store.getState().pathRenamed(from, to);
    });
  }

  const ctx: TreeContext = {
    expanded,
    toggle: (path) => store.getState().toggleFolder(path),
    selected: selected?.path ?? null,
    select: (path, kind) => {
      setSelected({ path, kind });
      if (kind === "file") {
        store.getState().openFile(path);
        files.opened(path);
      }
    },
    move: readOnly ? null : move,
  };

  return (
    <nav className="file-tree" aria-label="Files">
      <div className="panel-header">
        <h2>Files</h2>
        {readOnly ? null : (
          <div className="tree-actions">
            <button type="button" onClick={() => start("new-file")} title="New file">
              New file
            </button>
            <button type="button" onClick={() => start("new-folder")} title="New folder">
              New folder
            </button>
            <button type="button" onClick={() => start("rename")} disabled={!selected}>
              Rename
            </button>
            <button type="button" onClick={remove} disabled={!selected}>
              Delete
            </button>
          </div>
        )}
      </div>
      {editing ? (
        <form className="tree-form" onSubmit={submit}>
          <label>
            {editing.kind === "rename"
              ? "New path"
              : editing.kind === "new-file"
                ? `New file in ${editing.parent || "the workspace"}`
                : `New folder in ${editing.parent || "the workspace"}`}
            <input
              type="text"
              value={name}
              onChange={(e) => setName(e.target.value)}
              // biome-ignore lint/a11y/noAutofocus: the person just asked to type a name
              autoFocus
              onKeyDown={(e) => {
                if (e.key === "Escape") setEditing(null);
              }}
            />
          </label>
        </form>
      ) : null}
      {error ? (
        <p role="alert" className="panel-error">
          {error}
        </p>
      ) : null}
      <ul className="tree" aria-label="Workspace files" data-testid="file-tree">
        <Folder path="" depth={0} ctx={ctx} />
      </ul>
    </nav>
  );
}

interface TreeContext {
  expanded: Set<string>;
  toggle(path: string): void;
  selected: string | null;
  select(path: string, kind: TreeEntry["kind"]): void;
  move: ((from: string, toFolder: string) => void) | null;
}

function Folder({ path, depth, ctx }: { path: string; depth: number; ctx: TreeContext }) {
  const { files, store } = useIde();
  const workspaceId = store.getState().workspaceId;
  const list = useQuery({
    queryKey: ["fs.list", workspaceId, path],
    queryFn: () => files.list(path),
    refetchInterval: REFRESH_MS,
  });
  if (list.isPending) return depth === 0 ? <li className="hint">Loading…</li> : null;
  if (list.isError) return <li className="panel-error">{list.error.message}</li>;
  if (depth === 0 && list.data.length === 0) return <li className="hint">No files yet.</li>;
  return list.data.map((entry) => (
    <Entry key={entry.name} entry={entry} path={join(path, entry.name)} depth={depth} ctx={ctx} />
  ));
}

function Entry({
  entry,
  path,
  depth,
  ctx,
}: {
  entry: TreeEntry;
  path: string;
  depth: number;
  ctx: TreeContext;
}) {
  const isFolder = entry.kind === "directory";
  const open = isFolder && ctx.expanded.has(path);
  return (
    <li>
      <button
        type="button"
        aria-expanded={isFolder ? open : undefined}
        aria-current={ctx.selected === path ? "true" : undefined}
        className={`tree-entry${ctx.selected === path ? " selected" : ""}`}
        style={{ paddingLeft: `${0.5 + depth * 0.9}rem` }}
        draggable={ctx.move !== null}
        onDragStart={(e) => e.dataTransfer.setData("text/x-hearth-path", path)}
        onDragOver={(e) => {
          if (isFolder && ctx.move) e.preventDefault();
        }}
        onDrop={(e) => {
          const from = e.dataTransfer.getData("text/x-hearth-path");
          if (isFolder && from && ctx.move) {
            e.preventDefault();
            ctx.move(from, path);
          }
        }}
        onClick={() => {
          if (isFolder) ctx.toggle(path);
          ctx.select(path, entry.kind);
        }}
      >
        <span className="tree-icon" aria-hidden="true">
          {isFolder ? (open ? "▾" : "▸") : "·"}
        </span>
        {entry.name}
      </button>
      {open ? (
        <ul>
          <Folder path={path} depth={depth + 1} ctx={ctx} />
        </ul>
      ) : null}
    </li>
  );
}
