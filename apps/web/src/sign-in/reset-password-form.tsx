"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { type FormEvent, useState } from "react";
import { authSession } from "../lib/session";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { AuthCard, FormNotice } from "./auth-card";

/** The page a reset mail links to (`/reset-password?token=...`). */
export function ResetPasswordForm() {
  const trpc = useTRPC();
  const token = useSearchParams().get("token") ?? "";
  const [password, setPassword] = useState("");
  const reset = useMutation(
    trpc.auth.resetPassword.mutationOptions({
      // Every sign-in ended with the old password, this browser's too.
      onSuccess: () => authSession().end("signed-out"),
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    reset.mutate({ token, newPassword: password });
  };

  return (
    <AuthCard
      title="Choose a new password"
      footer={
        reset.isSuccess ? null : (
          <p>
            <Link href="/sign-in">Back to sign in</Link>
          </p>
        )
      }
    >
      {token ? null : (
        <ErrorAlert error="This page needs the link from the reset mail. Ask for a new one from “Forgot your password?”." />
      )}
      <ErrorAlert error={reset.error} />
      {reset.isSuccess ? (
        <>
          <FormNotice message="Your password is changed, and every device that was signed in has been signed out." />
          <Link className="button primary" href="/sign-in">
            Sign in
          </Link>
        </>
      ) : (
        <form onSubmit={submit}>
          <div className="field">
            <label htmlFor="new-password">New password</label>
            <input
              id="new-password"
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              maxLength={256}
              aria-describedby="password-hint"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <span id="password-hint" className="hint">
              At least 8 characters.
            </span>
          </div>
          <button type="submit" className="primary" disabled={!token || reset.isPending}>
            {reset.isPending ? "Saving…" : "Set new password"}
          </button>
        </form>
      )}
    </AuthCard>
  );
}
