"use client";
import { useSyncExternalStore } from "react";
import { authSession, type SessionState } from "./session";

const UNKNOWN: SessionState = { status: "unknown" };

/** The page's sign-in state; "unknown" until the refresh cookie has been tried. */
export function useSession(): SessionState {
  const session = authSession();
  return useSyncExternalStore(
    (onChange) => session.subscribe(onChange),
    () => session.current,
    () => UNKNOWN,
  );
}
