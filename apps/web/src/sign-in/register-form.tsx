"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, useState } from "react";
import { authSession } from "../lib/session";
import { useTRPC } from "../lib/trpc";
import { ErrorAlert } from "../ui/error-alert";
import { AuthCard } from "./auth-card";
import { safeNext } from "./safe-next";

export function RegisterForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const [firstName, setFirstName] = useState("");
  const [lastName, setLastName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const register = useMutation(
    trpc.auth.register.mutationOptions({
      onSuccess: (answer) => {
        authSession().signedIn(answer);
        router.replace(next);
      },
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    register.mutate({ firstName, lastName, email, password });
  };

  const signInHref = next === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`;
  return (
    <AuthCard
      title="Create your Hearth account"
      footer={
        <p>
          Already have an account? <Link href={signInHref}>Sign in</Link>
        </p>
      }
    >
      <ErrorAlert error={register.error} />
      <form onSubmit={submit}>
        <div className="row">
          <div className="field">
            <label htmlFor="first-name">First name</label>
            <input
              id="first-name"
              type="text"
              autoComplete="given-name"
              required
              maxLength={100}
              value={firstName}
              onChange={(e) => setFirstName(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="last-name">Last name</label>
            <input
              id="last-name"
              type="text"
              autoComplete="family-name"
              maxLength={100}
              value={lastName}
              onChange={(e) => setLastName(e.target.value)}
            />
          </div>
        </div>
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
        <button type="submit" className="primary" disabled={register.isPending}>
          {register.isPending ? "Creating account…" : "Create account"}
        </button>
      </form>
    </AuthCard>
  );
}
