"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { timeAgo } from "../ui/time";

/** Others' sessions shared with the caller (read-only), most recently active first. */
export function SharedWithMe() {
  const trpc = useTRPC();
  const shared = useQuery(trpc.workspace.sharedWithMe.queryOptions({ limit: 50 }));
  const members = useQuery(trpc.tenant.members.queryOptions());
  const owner = (userId: string) => {
    const user = members.data?.find((m) => m.user.id === userId)?.user;
    return user ? `${user.firstName} ${user.lastName}`.trim() || user.email : null;
  };

  return (
    <section className="panel" aria-labelledby="shared-title">
      <div className="panel-head">
        <h2 id="shared-title">Shared with you</h2>
      </div>
      {shared.isPending ? <p className="empty">Loading…</p> : null}
      <ErrorAlert error={shared.error} />
      {shared.data && shared.data.items.length === 0 ? (
        <p className="empty">Nothing is shared with you yet.</p>
      ) : null}
      {shared.data && shared.data.items.length > 0 ? (
        <ul className="list" aria-label="Shared with you">
          {shared.data.items.map((ws) => (
            <li key={ws.id}>
              <div className="ws-line">
                <Link className="ws-name" href={`/w/${ws.id}`}>
                  {ws.name}
                </Link>
                <span className="meta">
                  {owner(ws.userId) ? `${owner(ws.userId)}’s · ` : ""}read-only · active{" "}
                  {timeAgo(ws.lastActiveAt)}
                </span>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
