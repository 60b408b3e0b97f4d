"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useRef } from "react";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { AuthCard, FormNotice } from "./auth-card";

/**
 * The page a verification mail links to (`/verify-email?token=...`). It confirms on
 * opening: the token works once, so it is sent once even when React mounts twice.
 */
export function VerifyEmail() {
  const trpc = useTRPC();
  const token = useSearchParams().get("token") ?? "";
  const verify = useMutation(trpc.auth.verifyEmail.mutationOptions());
  const sent = useRef(false);
  const { mutate } = verify;

  useEffect(() => {
    if (!token || sent.current) return;
    sent.current = true;
    mutate({ token });
  }, [token, mutate]);

  return (
    <AuthCard
      title="Confirm your email"
      footer={
        <p>
          <Link href="/">Go to your workspaces</Link>
        </p>
      }
    >
      {token ? null : <ErrorAlert error="This page needs the link from the confirmation mail." />}
      {verify.isPending ? (
        <p role="status" className="hint">
          Confirming…
        </p>
      ) : null}
      <ErrorAlert error={verify.error} />
      <FormNotice
        message={verify.isSuccess ? `Your email ${verify.data.user.email} is confirmed.` : null}
      />
    </AuthCard>
  );
}
