"use client";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { useIde } from "../ide-context";

/** The owner shares the session read-only with chosen members, or the whole tenant. */
export function ShareDialog({ onClose }: { onClose: () => void }) {
  const { client, store } = useIde();
  const dialog = useRef<HTMLDialogElement>(null);
  const id = store.getState().workspaceId;
  const members = useQuery({
    queryKey: ["tenant.members"],
    queryFn: () => client.tenant.members.query(),
  });
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [tenant, setTenant] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  async function share(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    try {
      await client.workspace.share.mutate({ id, userIds: [...chosen], tenant });
      setMessage("Shared read-only.");
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  }

  async function unshare() {
    setMessage(null);
    try {
      await client.workspace.unshare.mutate({ id, userIds: [...chosen], tenant });
      setMessage(
        tenant ? "No longer shared with them or the organisation." : "No longer shared with them.",
      );
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="share-title" onClose={onClose}>
      <form onSubmit={share}>
        <h2 id="share-title">Share this session</h2>
        <p className="hint">People you share with can watch it, not change it.</p>
        {members.isError ? <p role="alert">{members.error.message}</p> : null}
        <fieldset className="member-list">
          <legend>Members</legend>
          {(members.data ?? []).map((m) => (
            <label key={m.user.id} className="checkbox">
              <input
                type="checkbox"
                checked={chosen.has(m.user.id)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(m.user.id);
                  else next.delete(m.user.id);
                  setChosen(next);
                }}
              />
              {m.user.firstName} {m.user.lastName} ({m.role})
            </label>
          ))}
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" checked={tenant} onChange={(e) => setTenant(e.target.checked)} />
          Everyone in this organisation
        </label>
        {message ? <p role="status">{message}</p> : null}
        <div className="dialog-actions">
          <button type="submit" className="primary">
            Share
          </button>
          <button type="button" onClick={() => void unshare()}>
            Stop sharing
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </form>
    </dialog>
  );
}
