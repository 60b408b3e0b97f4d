"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { timeAgo } from "../ui/time";
import { useSwitchTenant } from "./use-switch-tenant";

/**
 * The person's own open invitations: accept (then switch there, or stay) or decline.
 * Shown once their email is confirmed (invitations go to an address); nothing otherwise.
 */
export function MyInvitations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.auth.invitations.queryOptions());
  const refresh = () => {
    void queryClient.invalidateQueries(trpc.auth.invitations.pathFilter());
    void queryClient.invalidateQueries(trpc.auth.me.pathFilter());
  };
  const accept = useMutation(trpc.auth.acceptInvitation.mutationOptions({ onSuccess: refresh }));
  const decline = useMutation(trpc.auth.declineInvitation.mutationOptions({ onSuccess: refresh }));
  const switchTenant = useSwitchTenant();
  const error = accept.error ?? decline.error ?? switchTenant.error;
  const joined = accept.data;
  if (!list.data || (list.data.length === 0 && !joined)) return null;
  return (
    <section className="panel" aria-labelledby="my-invitations-title">
      <h2 id="my-invitations-title">Your invitations</h2>
      <ErrorAlert error={error} />
      {joined ? (
        <div className="alert info" role="status">
          You joined {joined.tenant.name} as {joined.role}.{" "}
          <button
            type="button"
            className="link-button"
            onClick={() => switchTenant.mutate({ tenantId: joined.tenant.id })}
          >
            Switch to {joined.tenant.name}
          </button>
        </div>
      ) : null}
      <ul className="list">
        {list.data.map((inv) => (
          <li key={inv.id} aria-label={`Invitation to ${inv.tenant.name}`}>
            <div className="ws-line">
              <strong>{inv.tenant.name}</strong>
              <span className="meta">
                as {inv.role}
                {inv.invitedBy ? `, from ${inv.invitedBy.firstName} ${inv.invitedBy.lastName}` : ""}
                , {timeAgo(inv.at)}
              </span>
            </div>
            <div className="ws-actions">
              <button
                type="button"
                className="primary small"
                disabled={accept.isPending}
                onClick={() => accept.mutate({ id: inv.id })}
              >
                Accept
              </button>
              <button
                type="button"
                className="small"
                disabled={decline.isPending}
                onClick={() => decline.mutate({ id: inv.id })}
              >
                Decline
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
