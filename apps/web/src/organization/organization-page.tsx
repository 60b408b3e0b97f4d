"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { authSession } from "../lib/session";
import { useTRPC } from "../lib/trpc";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorAlert } from "../ui/error-alert";
import { SignedInPage } from "../ui/signed-in-page";
import { timeAgo } from "../ui/time";
import { MyInvitations } from "./my-invitations";
import { useSwitchTenant } from "./use-switch-tenant";

const ROLES = ["Admin", "Developer", "Viewer"] as const;
type Role = (typeof ROLES)[number];

/**
 * `/organization`: the tenant signed in to — its plan and what it uses of it, its members
 * and invitations (an Admin manages them), deleting it — with the person's own
 * invitations and a form for a new organization.
 */
export function OrganizationPage() {
  return (
    <SignedInPage>
      <OrganizationContent />
    </SignedInPage>
  );
}

function OrganizationContent() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  if (!me.data) return null;
  const { tenant, role } = me.data;
  const admin = role === "Admin";
  const org = tenant.type === "Organization";
  return (
    <>
      <h1>{org ? tenant.name : "Organization"}</h1>
      <p className="hint">
        {org
          ? `You are ${role === "Admin" ? "an Admin" : `a ${role}`} here.`
          : "You are signed in to your own space. Create an organization to work with others, or accept an invitation to one."}
      </p>
      <MyInvitations />
      <div className="columns">
        <div>
          <PlanUsage />
          {org ? <Members admin={admin} selfId={me.data.user.id} /> : null}
          {org && admin ? <Invitations /> : null}
          {org && admin ? <DeleteOrganization name={tenant.name} /> : null}
        </div>
        <aside>
          <CreateOrganization />
        </aside>
      </div>
    </>
  );
}

function PlanUsage() {
  const trpc = useTRPC();
  const usage = useQuery(trpc.tenant.usage.queryOptions());
  if (!usage.data) return null;
  const of = (n: { used: number; allowed: number | null }) =>
    n.allowed === null ? `${n.used} (no limit)` : `${n.used} of ${n.allowed}`;
  return (
    <section className="panel" aria-labelledby="plan-title">
      <h2 id="plan-title">Plan: {usage.data.plan}</h2>
      <dl className="usage">
        <dt>Members</dt>
        <dd>{of(usage.data.members)}</dd>
        <dt>Workspaces</dt>
        <dd>{of(usage.data.workspaces)}</dd>
      </dl>
    </section>
  );
}

function Members({ admin, selfId }: { admin: boolean; selfId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const members = useQuery(trpc.tenant.members.queryOptions());
  const refresh = () => {
    void queryClient.invalidateQueries(trpc.tenant.pathFilter());
    void queryClient.invalidateQueries(trpc.auth.me.pathFilter());
  };
  const setRole = useMutation(trpc.tenant.setRole.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.tenant.removeMember.mutationOptions({ onSuccess: refresh }));
  const [removing, setRemoving] = useState<{ id: string; name: string } | null>(null);
  const error = setRole.error;
  return (
    <section className="panel" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <ErrorAlert error={error} />
      <ul className="list">
        {(members.data ?? []).map((m) => {
          const name = `${m.user.firstName} ${m.user.lastName}`.trim();
          return (
            <li key={m.user.id} aria-label={name}>
              <div className="ws-line">
                <strong>{name}</strong>
                <span className="meta">
                  {m.user.email}
                  {m.user.id === selfId ? " (you)" : ""}
                </span>
              </div>
              {admin ? (
                <div className="ws-actions">
                  <label htmlFor={`role-${m.user.id}`} className="visually-hidden">
                    Role of {name}
                  </label>
                  <select
                    id={`role-${m.user.id}`}
                    className="inline-select"
                    value={m.role}
                    disabled={setRole.isPending}
                    onChange={(e) =>
                      setRole.mutate({ userId: m.user.id, role: e.target.value as Role })
                    }
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                  <button
                    type="button"
                    className="small danger"
                    aria-label={`Remove ${name}`}
                    onClick={() => {
                      remove.reset();
                      setRemoving({ id: m.user.id, name });
                    }}
                  >
                    Remove
                  </button>
                </div>
              ) : (
                <span className="meta">{m.role}</span>
              )}
            </li>
          );
        })}
      </ul>
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.name ?? ""}?`}
        confirmLabel="Remove"
        busy={remove.isPending}
        error={remove.error}
        onCancel={() => setRemoving(null)}
        onConfirm={() =>
          removing && remove.mutate({ userId: removing.id }, { onSuccess: () => setRemoving(null) })
        }
      >
        They lose access to this organization and its workspaces at once; what was shared with them
        is no longer.
      </ConfirmDialog>
    </section>
  );
}

function Invitations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.tenant.invitations.queryOptions());
  const refresh = () => void queryClient.invalidateQueries(trpc.tenant.pathFilter());
  const invite = useMutation(trpc.tenant.invite.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.tenant.revokeInvitation.mutationOptions({ onSuccess: refresh }));
  const [revoking, setRevoking] = useState<{ id: string; email: string } | null>(null);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("Developer");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate({ email, role }, { onSuccess: () => setEmail("") });
  };
  const error = invite.error;
  return (
    <section className="panel" aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <ErrorAlert error={error} />
      <form onSubmit={submit} aria-label="Invite someone" className="row-form">
        <div className="field">
          <label htmlFor="invite-email">Email</label>
          <input
            id="invite-email"
            type="email"
            required
            maxLength={254}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="primary" disabled={invite.isPending}>
          Invite
        </button>
      </form>
      {list.data && list.data.length > 0 ? (
        <ul className="list" aria-label="Pending invitations">
          {list.data.map((inv) => (
            <li key={inv.id} aria-label={inv.email}>
              <div className="ws-line">
                <strong>{inv.email}</strong>
                <span className="meta">
                  as {inv.role}, {timeAgo(inv.at)}
                </span>
              </div>
              <div className="ws-actions">
                <button
                  type="button"
                  className="small"
                  aria-label={`Revoke the invitation of ${inv.email}`}
                  onClick={() => {
                    revoke.reset();
                    setRevoking({ id: inv.id, email: inv.email });
                  }}
                >
                  Revoke
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">No pending invitations.</p>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke the invitation of ${revoking?.email ?? ""}?`}
        confirmLabel="Revoke"
        busy={revoke.isPending}
        error={revoke.error}
        onCancel={() => setRevoking(null)}
        onConfirm={() =>
          revoking && revoke.mutate({ id: revoking.id }, { onSuccess: () => setRevoking(null) })
        }
      >
        The link they were mailed stops working; they can be invited again later.
      </ConfirmDialog>
    </section>
  );
}

function DeleteOrganization({ name }: { name: string }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const remove = useMutation(
    trpc.tenant.delete.mutationOptions({
      // The server has moved the sign-in to the person's own tenant (a new cookie).
      onSuccess: (answer) => {
        if (answer.home) authSession().signedIn(answer.home);
        authSession().leave();
        window.location.assign("/");
      },
    }),
  );
  return (
    <section className="panel" aria-labelledby="delete-org-title">
      <h2 id="delete-org-title">Delete this organization</h2>
      <p className="hint">
        Its workspaces, members' access and audit log go with it. This cannot be undone.
      </p>
      <button
        type="button"
        className="danger"
        onClick={() => {
          setTyped("");
          remove.reset();
          setOpen(true);
        }}
      >
        Delete organization…
      </button>
      <ConfirmDialog
        open={open}
        title={`Delete ${name}?`}
        confirmLabel="Delete organization"
        busy={remove.isPending || typed !== name}
        error={remove.error}
        onCancel={() => setOpen(false)}
        onConfirm={() => remove.mutate({ confirmName: typed })}
      >
        <div className="field">
          <label htmlFor="confirm-org-name">Type {name} to confirm</label>
          <input
            id="confirm-org-name"
            type="text"
            autoComplete="off"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
      </ConfirmDialog>
    </section>
  );
}

function CreateOrganization() {
  const trpc = useTRPC();
  const [name, setName] = useState("");
  const switchTenant = useSwitchTenant("/organization");
  const create = useMutation(
    trpc.tenant.createOrganization.mutationOptions({
      onSuccess: (org) => switchTenant.mutate({ tenantId: org.id }),
    }),
  );
  const error = create.error ?? switchTenant.error;
  return (
    <section className="panel">
      <form
        aria-labelledby="create-org-title"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name });
        }}
      >
        <h2 id="create-org-title">New organization</h2>
        <ErrorAlert error={error} />
        <div className="field">
          <label htmlFor="org-name">Organization name</label>
          <input
            id="org-name"
            type="text"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create organization
        </button>
      </form>
    </section>
  );
}
