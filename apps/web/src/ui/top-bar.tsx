"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import { authSession } from "../lib/session";
import { useTRPC } from "../lib/trpc";
import { BrandMark } from "./brand";
import { TenantSwitcher } from "./tenant-switcher";

/** The bar above every signed-in page: the brand (home), page-specific items, who, sign out. */
export function TopBar({ children }: { children?: ReactNode }) {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      // Signed out here whatever the server said: the token is forgotten either way.
      onSettled: () => authSession().end("signed-out"),
    }),
  );
  const user = me.data?.user;
  return (
    <header className="topbar">
      <Link href="/" className="brand">
        <BrandMark />
        Hearth
      </Link>
      {children}
      <span className="spacer" />
      <TenantSwitcher />
      <nav aria-label="Account" className="topbar-nav">
        <Link href="/account">Account</Link>
        <Link href="/organization">Organization</Link>
        {me.data?.role === "Admin" ? <Link href="/audit">Audit</Link> : null}
        <Link href="/settings" title="Settings (Ctrl+,)">
          Settings
        </Link>
      </nav>
      {user ? (
        <span className="who">
          {user.firstName} {user.lastName}
        </span>
      ) : null}
      <button
        type="button"
        className="small"
        disabled={logout.isPending}
        onClick={() => logout.mutate({})}
      >
        Sign out
      </button>
    </header>
  );
}
