"use client";
import { useMutation } from "@tanstack/react-query";
import { authSession } from "../lib/session";
import { useTRPC } from "../lib/trpc";

/**
 * Signs in to another tenant the person belongs to. The page then loads afresh (as a
 * sign-in does), so nothing fetched for the other tenant — lists, the WebSocket and its
 * subscriptions — is shown or kept.
 */
export function useSwitchTenant(to = "/") {
  const trpc = useTRPC();
  return useMutation(
    trpc.tenant.switch.mutationOptions({
      onSuccess: (answer) => {
        authSession().signedIn(answer);
        authSession().leave();
        window.location.assign(to);
      },
    }),
  );
}
