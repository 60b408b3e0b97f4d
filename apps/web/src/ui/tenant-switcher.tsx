"use client";
import { useQuery } from "@tanstack/react-query";
import { errorSentence } from "../lib/errors";
import { useTRPC } from "../lib/trpc";
import { useSwitchTenant } from "../organization/use-switch-tenant";

/** The header's choice of tenant: the person's own and each organization they belong to. */
export function TenantSwitcher() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const switchTenant = useSwitchTenant();
  if (!me.data) return null;
  const { tenant, memberships } = me.data;
  return (
    <span className="tenant-switcher">
      <label htmlFor="tenant-switcher" className="visually-hidden">
        Organization
      </label>
      <select
        id="tenant-switcher"
        value={tenant.id}
        disabled={switchTenant.isPending || memberships.length < 2}
        onChange={(e) => switchTenant.mutate({ tenantId: e.target.value })}
      >
        {memberships.map((m) => (
          <option key={m.tenant.id} value={m.tenant.id}>
            {m.tenant.type === "Self" ? `${m.tenant.name} (personal)` : m.tenant.name}
          </option>
        ))}
      </select>
      {switchTenant.isError ? (
        <span role="alert" className="field-error">
          {errorSentence(switchTenant.error)}
        </span>
      ) : null}
    </span>
  );
}
