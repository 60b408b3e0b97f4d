"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { AuthCard, FormNotice } from "./auth-card";

/** Asks for a reset link. The server answers the same whether or not the email exists. */
export function ForgotPasswordForm() {
  const trpc = useTRPC();
  const [email, setEmail] = useState("");
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());

  const submit = (e: FormEvent) => {
    e.preventDefault();
    request.mutate({ email });
  };

  return (
    <AuthCard
      title="Reset your password"
      footer={
        <p>
          Remembered it? <Link href="/sign-in">Sign in</Link>
        </p>
      }
    >
      <ErrorAlert error={request.error} />
      <FormNotice
        message={
          request.isSuccess
            ? `If an account uses ${email}, a link to reset its password is on its way. It works once, for one hour.`
            : null
        }
      />
      {request.isSuccess ? null : (
        <form onSubmit={submit}>
          <p className="hint">We will mail you a link to choose a new password.</p>
          <div className="field">
            <label htmlFor="email">Email</label>
            <input
              id="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <button type="submit" className="primary" disabled={request.isPending}>
            {request.isPending ? "Sending…" : "Send reset link"}
          </button>
        </form>
      )}
    </AuthCard>
  );
}
