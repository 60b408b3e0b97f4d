/**
 * React access to the API: `useTRPC()` gives typed query and mutation options for
 * TanStack Query (`useQuery(trpc.workspace.list.queryOptions())`), `useTRPCClient()` the
 * raw client (subscriptions, imperative calls).
 */
import type { AppRouter } from "@hearth/api";
import { createTRPCContext } from "@trpc/tanstack-react-query";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
