"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { EmailNotice } from "../dashboard/email-notice";
import { authSession } from "../lib/session";
import { useTRPC } from "../lib/trpc";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorAlert } from "../ui/error-alert";
import { SignedInPage } from "../ui/signed-in-page";
import { timeAgo } from "../ui/time";

/** `/account`: the person's name, email, password and signed-in devices. */
export function AccountPage() {
  return (
    <SignedInPage className="account-page">
      <h1>Account</h1>
      <EmailNotice />
      <Profile />
      <ChangePassword />
      <Devices />
    </SignedInPage>
  );
}

function Profile() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.auth.me.queryOptions());
  const user = me.data?.user;
  const [first, setFirst] = useState("");
  const [last, setLast] = useState("");
  useEffect(() => {
    if (user) {
      setFirst(user.firstName);
      setLast(user.lastName);
    }
  }, [user]);
  const update = useMutation(
    trpc.auth.updateProfile.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries(trpc.auth.me.pathFilter()),
    }),
  );
  if (!user) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({ firstName: first, lastName: last });
  };
  return (
    <section className="panel">
      <form onSubmit={submit} aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <ErrorAlert error={update.error} />
        {update.isSuccess ? (
          <div className="alert info" role="status">
            Your name is saved.
          </div>
        ) : null}
        <div className="row">
          <div className="field">
            <label htmlFor="first-name">First name</label>
            <input
              id="first-name"
              type="text"
              required
              maxLength={100}
              value={first}
              onChange={(e) => setFirst(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="last-name">Last name</label>
            <input
              id="last-name"
              type="text"
              maxLength={100}
              value={last}
              onChange={(e) => setLast(e.target.value)}
            />
          </div>
        </div>
        <p className="meta">
          Email: {user.email} — {user.emailVerified ? "confirmed" : "not confirmed yet"}
        </p>
        <button type="submit" className="primary" disabled={update.isPending}>
          Save name
        </button>
      </form>
    </section>
  );
}

function ChangePassword() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrent("");
        setNext("");
        void queryClient.invalidateQueries(trpc.auth.devices.pathFilter());
      },
    }),
  );
  return (
    <section className="panel">
      <form
        aria-labelledby="password-title"
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate({ currentPassword: current, newPassword: next });
        }}
      >
        <h2 id="password-title">Password</h2>
        <ErrorAlert error={change.error} />
        {change.isSuccess ? (
          <div className="alert info" role="status">
            Your password is changed. Every other sign-in has ended; this one goes on.
          </div>
        ) : null}
        <div className="row">
          <div className="field">
            <label htmlFor="current-password">Current password</label>
            <input
              id="current-password"
              type="password"
              required
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="new-password">New password</label>
            <input
              id="new-password"
              type="password"
              required
              minLength={8}
              maxLength={256}
              autoComplete="new-password"
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          </div>
        </div>
        <button type="submit" className="primary" disabled={change.isPending}>
          Change password
        </button>
      </form>
    </section>
  );
}

function Devices() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const devices = useQuery(trpc.auth.devices.queryOptions());
  const [revoking, setRevoking] = useState<string | null>(null);
  const [everywhere, setEverywhere] = useState(false);
  const revoke = useMutation(
    trpc.auth.revokeDevice.mutationOptions({
      onSuccess: (_, input) => {
        setRevoking(null);
        const mine = devices.data?.find((d) => d.tokenFamily === input.tokenFamily)?.current;
        if (mine) authSession().end("signed-out");
        else void queryClient.invalidateQueries(trpc.auth.devices.pathFilter());
      },
    }),
  );
  const logoutAll = useMutation(
    trpc.auth.logoutAll.mutationOptions({
      onSettled: () => authSession().end("signed-out"),
    }),
  );
  return (
    <section className="panel" aria-labelledby="devices-title">
      <h2 id="devices-title">Devices</h2>
      <p className="hint">Every browser signed in to this account here, most recent first.</p>
      <ul className="list">
        {(devices.data ?? []).map((d) => (
          <li key={d.tokenFamily} aria-label={d.current ? "This device" : device(d.userAgent)}>
            <div className="ws-line">
              <strong title={d.userAgent ?? undefined}>{device(d.userAgent)}</strong>
              {d.current ? <span className="tag">This device</span> : null}
              <span className="meta">
                {d.ipAddress ?? "unknown address"} · first seen {timeAgo(d.createdAt)} · last seen{" "}
                {timeAgo(d.lastUsedAt)}
              </span>
            </div>
            <div className="ws-actions">
              <button
                type="button"
                className="small danger"
                onClick={() => {
                  revoke.reset();
                  setRevoking(d.tokenFamily);
                }}
              >
                Revoke
              </button>
            </div>
          </li>
        ))}
      </ul>
      <button type="button" className="danger" onClick={() => setEverywhere(true)}>
        Sign out everywhere
      </button>
      <ConfirmDialog
        open={revoking !== null}
        title="Sign this device out?"
        confirmLabel="Revoke"
        busy={revoke.isPending}
        error={revoke.error}
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate({ tokenFamily: revoking })}
      >
        Its next request is refused and it lands on the sign-in page.
      </ConfirmDialog>
      <ConfirmDialog
        open={everywhere}
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        busy={logoutAll.isPending}
        onCancel={() => setEverywhere(false)}
        onConfirm={() => logoutAll.mutate({})}
      >
        Every device signed in to your account, this one included, is signed out.
      </ConfirmDialog>
    </section>
  );
}

/** A short name for a browser from its user agent (the whole string is its title). */
function device(userAgent: string | null): string {
  if (!userAgent) return "Unknown browser";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(userAgent)
        ? "Chromium"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : userAgent.split(/[ /]/)[0] || "Browser";
  const os = /Windows/.test(userAgent)
    ? "Windows"
    : /Mac OS X/.test(userAgent)
      ? "macOS"
      : /Android/.test(userAgent)
        ? "Android"
        : /Linux/.test(userAgent)
          ? "Linux"
          : null;
  return os ? `${browser} on ${os}` : browser;
}
