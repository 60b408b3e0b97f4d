"use client";
import { usePathname, useRouter } from "next/navigation";
import { type ReactNode, useEffect, useState } from "react";
import { SettingsProvider } from "../settings/settings-context";
import { useSession } from "./use-session";

/** Where the sign-in page sends a person back to once they are in. */
export function signInHref(reason: string | null, next: string | null): string {
  const q = new URLSearchParams();
  if (reason) q.set("reason", reason);
  if (next && next !== "/") q.set("next", next);
  const s = q.toString();
  return s ? `/sign-in?${s}` : "/sign-in";
}

/**
 * Renders its children only for a signed-in person, with their settings live; anyone else goes to the sign-in page,
 * with the reason when their sign-in ended under them (revoked, signed out elsewhere).
 */
export function RequireSignIn({ children }: { children: ReactNode }) {
  const session = useSession();
  const router = useRouter();
  const pathname = usePathname();
  // Still unknown after a few seconds: the server is not answering (restarting, offline).
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (session.status !== "unknown") return;
    const timer = setTimeout(() => setSlow(true), 3_000);
    return () => clearTimeout(timer);
  }, [session.status]);
  useEffect(() => {
    if (session.status === "signed-out") {
      // A deliberate sign-out starts over; an ended or missing sign-in comes back here.
      const next = session.reason === "signed-out" ? null : `${pathname}${window.location.search}`;
      router.replace(signInHref(session.reason, next));
    }
  }, [session, router, pathname]);
  if (session.status !== "signed-in") {
    return (
      <p className="page-status" role="status">
        {session.status !== "unknown"
          ? "Signing in is needed…"
          : slow
            ? "Hearth is not answering yet; trying again…"
            : "Loading…"}
      </p>
    );
  }
  return <SettingsProvider>{children}</SettingsProvider>;
}
