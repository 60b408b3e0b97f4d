"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { timeAgo } from "../ui/time";

/** The files the caller opened last, across all their workspaces (fs.recent). */
export function RecentFiles() {
  const trpc = useTRPC();
  const recent = useQuery(trpc.fs.recent.queryOptions({ limit: 15 }));
  return (
    <section className="panel" aria-labelledby="recent-title">
      <div className="panel-head">
        <h2 id="recent-title">Recently opened files</h2>
      </div>
      {recent.isPending ? <p className="empty">Loading…</p> : null}
      <ErrorAlert error={recent.error} />
      {recent.data && recent.data.items.length === 0 ? (
        <p className="empty">Files you open in a workspace show up here.</p>
      ) : null}
      {recent.data && recent.data.items.length > 0 ? (
        <ul className="list compact" aria-label="Recently opened files">
          {recent.data.items.map((f) => (
            <li key={`${f.workspaceId}/${f.path}`}>
              <Link
                className="mono"
                href={`/w/${f.workspaceId}?open=${encodeURIComponent(f.path)}`}
              >
                {f.path}
              </Link>
              <div className="meta">
                {f.workspaceName ?? "a deleted workspace"}
                {f.lastOpenedAt ? ` · ${timeAgo(f.lastOpenedAt)}` : ""}
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
