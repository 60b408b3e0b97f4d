"use client";
import { type ReactNode, useSyncExternalStore } from "react";

const never = () => () => {};

/** False in the server's HTML and while React hydrates it, true from then on. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    never,
    () => true,
    () => false,
  );
}

/**
 * Keeps the form controls inside disabled until the page's script runs. Before that, a
 * click on a submit button would post the form natively and reload the page, dropping
 * what was typed; disabled, nothing can be typed or sent that the page would then lose.
 */
export function UntilHydrated({ children }: { children: ReactNode }) {
  const hydrated = useHydrated();
  return (
    <fieldset className="until-hydrated" disabled={!hydrated} aria-busy={!hydrated}>
      {children}
    </fieldset>
  );
}
