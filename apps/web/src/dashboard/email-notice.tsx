"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { errorSentence } from "../lib/errors";
import { useTRPC } from "../lib/trpc";

/** Until the email is confirmed: a reminder, and a new link on request. */
export function EmailNotice() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const resend = useMutation(trpc.auth.resendVerification.mutationOptions());
  const user = me.data?.user;
  if (!user || user.emailVerified) return null;
  return (
    <div className="alert notice" role="status">
      {resend.isSuccess
        ? `A new confirmation link is on its way to ${user.email}.`
        : `Confirm your email: we sent a link to ${user.email}.`}{" "}
      {resend.isSuccess ? null : (
        <button
          type="button"
          className="link-button"
          disabled={resend.isPending}
          onClick={() => resend.mutate({})}
        >
          Send the link again
        </button>
      )}
      {resend.isError ? <span role="alert"> {errorSentence(resend.error)}</span> : null}
    </div>
  );
}
