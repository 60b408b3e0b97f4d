"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, useEffect, useState } from "react";
import { authSession, signedOutSentence } from "../lib/session";
import { useTRPC } from "../lib/trpc";
import { useSession } from "../lib/use-session";
import { ErrorAlert } from "../ui/error-alert";
import { AuthCard, FormNotice } from "./auth-card";
import { safeNext } from "./safe-next";

export function SignInForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const session = useSession();
  const next = safeNext(params.get("next"));
  const reason = signedOutSentence(params.get("reason"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: (answer) => {
        authSession().signedIn(answer);
        router.replace(next);
      },
    }),
  );

  // Someone already signed in (the refresh cookie worked) has nothing to do here.
  useEffect(() => {
    if (session.status === "signed-in" && !login.isPending && !login.isSuccess) {
      router.replace(next);
    }
  }, [session.status, login.isPending, login.isSuccess, router, next]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ email, password });
  };

  const registerHref = next === "/" ? "/register" : `/register?next=${encodeURIComponent(next)}`;
  return (
    <AuthCard
      title="Sign in to Hearth"
      footer={
        <>
          <p>
            New to Hearth? <Link href={registerHref}>Create an account</Link>
          </p>
          <p>
            <Link href="/forgot-password">Forgot your password?</Link>
          </p>
        </>
      }
    >
      <FormNotice message={login.isError ? null : reason} />
      <ErrorAlert error={login.error} />
      <form onSubmit={submit}>
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
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </AuthCard>
  );
}
