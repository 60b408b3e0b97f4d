"use client";
import type { ReactNode } from "react";
import { RequireSignIn } from "../lib/require-sign-in";
import { TopBar } from "./top-bar";

/** A page for a signed-in person: the header above its content (else, the sign-in page). */
export function SignedInPage({ className, children }: { className?: string; children: ReactNode }) {
  return (
    <RequireSignIn>
      <div className="shell">
        <TopBar />
        <main className={className ? `content ${className}` : "content"}>{children}</main>
      </div>
    </RequireSignIn>
  );
}
