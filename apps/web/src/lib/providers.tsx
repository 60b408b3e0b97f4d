"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { type ReactNode, useEffect, useState } from "react";
import { forgetTheme } from "../settings/settings-context";
import { createHearthClient } from "./api-client";
import { authSession } from "./session";
import { TRPCProvider } from "./trpc";

/** Refusals (4xx) are answers, not outages: only a failure to reach the server is retried. */
function retry(failures: number, err: unknown): boolean {
  if (err instanceof TRPCClientError) {
    const status = (err.data as { httpStatus?: number } | undefined)?.httpStatus;
    if (status !== undefined && status < 500) return false;
  }
  return failures < 2;
}

/** Everything a page needs to talk to Hearth: React Query, the tRPC client, the sign-in. */
export function HearthProviders({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { staleTime: 5_000, retry },
          mutations: { retry: false },
        },
      }),
  );
  const [trpcClient] = useState(() => createHearthClient(authSession()));

  useEffect(() => {
    const session = authSession();
    void session.restore();
    // Nothing one person's sign-in fetched may be shown to the next one.
    return session.subscribe((state) => {
      if (state.status === "signed-out") {
        queryClient.clear();
        forgetTheme();
      }
    });
  }, [queryClient]);

  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
