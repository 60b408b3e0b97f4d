"use client";
import {
  BUILT_IN_SETTINGS,
  type SettingKey,
  type SettingsPatch,
  type SettingValues,
} from "@hearth/db/settings";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../lib/trpc";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorAlert } from "../ui/error-alert";
import { SignedInPage } from "../ui/signed-in-page";
import { CHOICE_LABELS, SETTING_GROUPS, SETTING_LABELS, SOURCE_LABELS } from "./labels";
import { SettingControl } from "./setting-control";

/** `/settings` (also Ctrl+,): the person's preferences, and an organization's defaults. */
export function SettingsPage() {
  return (
    <SignedInPage className="settings-page">
      <h1>Settings</h1>
      <YourSettings />
      <OrganizationDefaults />
    </SignedInPage>
  );
}

function YourSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.settings.get.queryOptions());
  // Changes to several fields may be under way at once, and their answers may come back
  // in any order: the values are read again after each, so the last read is the newest
  // (settings.changes brings them too).
  const reread = () => queryClient.invalidateQueries(trpc.settings.get.queryFilter());
  const update = useMutation(trpc.settings.update.mutationOptions({ onSuccess: reread }));
  const reset = useMutation(trpc.settings.reset.mutationOptions({ onSuccess: reread }));
  const [confirmAll, setConfirmAll] = useState(false);
  const data = settings.data;
  const error = update.error ?? reset.error ?? settings.error;
  const anyOwn = data ? Object.values(data.sources).includes("user") : false;

  return (
    <>
      <p className="hint">
        Your settings follow you to every device and every organization you belong to; a change
        applies at once in all your open tabs.
      </p>
      <ErrorAlert error={error} />
      {data
        ? SETTING_GROUPS.map((group) => (
            <section key={group.title} className="panel" aria-labelledby={`group-${group.title}`}>
              <h2 id={`group-${group.title}`}>{group.title}</h2>
              {group.keys.map((key) => (
                <div key={key} className="setting-row">
                  <div className="field">
                    <SettingControl
                      id={`setting-${key}`}
                      settingKey={key}
                      value={data.values[key]}
                      onCommit={(value) => update.mutate({ [key]: value } as SettingsPatch)}
                    />
                  </div>
                  <span className="setting-source" data-testid={`source-${key}`}>
                    {SOURCE_LABELS[data.sources[key]]}
                  </span>
                  {data.sources[key] === "user" ? (
                    <button
                      type="button"
                      className="small"
                      aria-label={`Reset ${SETTING_LABELS[key]}`}
                      onClick={() => reset.mutate({ key })}
                    >
                      Reset
                    </button>
                  ) : (
                    <span />
                  )}
                </div>
              ))}
            </section>
          ))
        : null}
      <div className="actions">
        <button type="button" disabled={!anyOwn} onClick={() => setConfirmAll(true)}>
          Reset all
        </button>
      </div>
      <ConfirmDialog
        open={confirmAll}
        title="Reset all your settings?"
        confirmLabel="Reset all"
        busy={reset.isPending}
        onCancel={() => setConfirmAll(false)}
        onConfirm={() => reset.mutate({}, { onSuccess: () => setConfirmAll(false) })}
      >
        Every setting goes back to your organization's default or Hearth's own, on all your devices.
      </ConfirmDialog>
    </>
  );
}

/** An organization's Admins set the defaults everyone there starts from. */
function OrganizationDefaults() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const admin = me.data?.role === "Admin" && me.data.tenant.type === "Organization";
  if (!admin || !me.data) return null;
  return <DefaultsEditor tenantName={me.data.tenant.name} />;
}

function DefaultsEditor({ tenantName }: { tenantName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const defaults = useQuery(trpc.settings.getDefaults.queryOptions());
  const update = useMutation(
    trpc.settings.updateDefaults.mutationOptions({
      // As for a person's own values: several may be under way, answers in any order.
      onSuccess: () => queryClient.invalidateQueries(trpc.settings.getDefaults.queryFilter()),
    }),
  );
  const values = defaults.data?.values;
  const error = update.error ?? defaults.error;
  return (
    <section className="panel" aria-labelledby="defaults-title">
      <h2 id="defaults-title">Defaults for {tenantName}</h2>
      <p className="hint">
        Everyone signed in to {tenantName} who has not set a value of their own gets these.
      </p>
      <ErrorAlert error={error} />
      {values
        ? SETTING_GROUPS.flatMap((g) => g.keys).map((key: SettingKey) => {
            const set = values[key] !== undefined;
            const label = `Default: ${SETTING_LABELS[key].toLowerCase()}`;
            return (
              <div key={key} className="setting-row">
                <div className="field">
                  <SettingControl
                    id={`default-${key}`}
                    settingKey={key}
                    label={label}
                    value={(values[key] ?? BUILT_IN_SETTINGS[key]) as SettingValues[SettingKey]}
                    onCommit={(value) => update.mutate({ [key]: value })}
                  />
                </div>
                <span className="setting-source">
                  {set ? "Set here" : `Hearth's: ${shown(BUILT_IN_SETTINGS[key])}`}
                </span>
                {set ? (
                  <button
                    type="button"
                    className="small"
                    aria-label={`Remove the ${label.toLowerCase()}`}
                    onClick={() => update.mutate({ [key]: null })}
                  >
                    Remove
                  </button>
                ) : (
                  <span />
                )}
              </div>
            );
          })
        : null}
    </section>
  );
}

function shown(value: SettingValues[SettingKey]): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  return CHOICE_LABELS[String(value)] ?? String(value);
}
