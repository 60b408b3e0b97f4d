"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { SignedInPage } from "../ui/signed-in-page";

/** The actions Hearth records, for the filter. */
const ACTIONS = [
  "auth.register",
  "auth.login",
  "auth.login_failed",
  "auth.logout",
  "auth.logout_all",
  "auth.refresh_reuse",
  "auth.password_changed",
  "auth.password_reset",
  "auth.email_verified",
  "auth.device_revoked",
  "tenant.created",
  "tenant.updated",
  "tenant.deleted",
  "tenant.invited",
  "tenant.invitation_accepted",
  "tenant.invitation_declined",
  "tenant.invitation_revoked",
  "tenant.role_changed",
  "tenant.member_removed",
  "workspace.deleted",
  "settings.defaults_changed",
];

/** `/audit` (Admins): the tenant's events newest first, filtered by action and person. */
export function AuditPage() {
  return (
    <SignedInPage>
      <h1>Audit log</h1>
      <AuditContent />
    </SignedInPage>
  );
}

function AuditContent() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const members = useQuery({
    ...trpc.tenant.members.queryOptions(),
    enabled: me.data?.role === "Admin",
  });
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");
  const filter = { ...(action ? { action } : {}), ...(actor ? { actorUserId: actor } : {}) };
  const events = useInfiniteQuery({
    ...trpc.audit.list.infiniteQueryOptions(
      { limit: 50, ...filter },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
    enabled: me.data?.role === "Admin",
  });
  if (!me.data) return null;
  if (me.data.role !== "Admin") {
    return <p className="empty">Only an Admin of this organization may read its audit log.</p>;
  }
  const rows = events.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <form
        className="row-form audit-filters"
        aria-label="Filter events"
        onSubmit={(e) => e.preventDefault()}
      >
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">Every action</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-actor">Person</label>
          <select id="audit-actor" value={actor} onChange={(e) => setActor(e.target.value)}>
            <option value="">Everyone</option>
            {(members.data ?? []).map((m) => (
              <option key={m.user.id} value={m.user.id}>
                {m.user.firstName} {m.user.lastName} ({m.user.email})
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorAlert error={events.error} />
      <div className="table-wrap">
        <table className="audit-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Action</th>
              <th scope="col">Who</th>
              <th scope="col">IP</th>
              <th scope="col">Browser</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
                </td>
                <td className="mono">{e.action}</td>
                <td>
                  {e.actor
                    ? `${e.actor.firstName} ${e.actor.lastName}`.trim()
                    : e.actorUserId
                      ? "A former member"
                      : "Hearth"}
                </td>
                <td className="mono">{e.ipAddress ?? ""}</td>
                <td className="ua" title={e.userAgent ?? ""}>
                  {e.userAgent ?? ""}
                </td>
                <td className="mono detail">{detailText(e.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && !events.isPending ? <p className="empty">No events match.</p> : null}
      {events.hasNextPage ? (
        <button
          type="button"
          disabled={events.isFetchingNextPage}
          onClick={() => void events.fetchNextPage()}
        >
          Load more
        </button>
      ) : null}
    </>
  );
}

function detailText(detail: unknown): string {
  if (!detail || typeof detail !== "object") return "";
  return Object.entries(detail as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}
