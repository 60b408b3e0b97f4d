"use client";
import { BUILT_IN_SETTINGS, type ResolvedSettings, type SettingValues } from "@hearth/db/settings";
import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import { useTRPC, useTRPCClient } from "../lib/trpc";
import { THEME_STORAGE_KEY } from "./theme";

const SettingsContext = createContext<ResolvedSettings | null>(null);

/** A sign-out forgets the theme: the sign-in page is not the last person's. */
export function forgetTheme(): void {
  delete document.documentElement.dataset.theme;
  try {
    localStorage.removeItem(THEME_STORAGE_KEY);
  } catch {
    // Storage refused (private mode): nothing was kept.
  }
}

/** Asks the page to open the settings (Monaco's own Ctrl+, binding sends it). */
export const OPEN_SETTINGS_EVENT = "hearth:open-settings";

/**
 * A signed-in page's preferences, kept live: `settings.changes` sends them at once and
 * again whenever the person changes one (in any tab, on any device) or an Admin changes
 * the organization's defaults. The page's colours follow the theme; Ctrl+, opens /settings.
 */
export function SettingsProvider({ children }: { children: ReactNode }) {
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [settings, setSettings] = useState<ResolvedSettings | null>(
    () => queryClient.getQueryData(trpc.settings.get.queryKey()) ?? null,
  );

  useEffect(() => {
    const sub = client.settings.changes.subscribe(undefined, {
      onData: (next) => {
        setSettings(next);
        queryClient.setQueryData(trpc.settings.get.queryKey(), next);
      },
      // The WebSocket link subscribes again once it reconnects; until then the last
      // values stay in effect.
      onError: () => {},
    });
    return () => sub.unsubscribe();
  }, [client, queryClient, trpc]);

  const theme = settings?.values.theme;
  useEffect(() => {
    if (!theme) return;
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem(THEME_STORAGE_KEY, theme);
    } catch {
      // Storage refused (private mode): the next page starts dark until settings arrive.
    }
  }, [theme]);

  useEffect(() => {
    const open = () => router.push("/settings");
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key === ",") {
        e.preventDefault();
        open();
      }
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener(OPEN_SETTINGS_EVENT, open);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener(OPEN_SETTINGS_EVENT, open);
    };
  }, [router]);

  return <SettingsContext.Provider value={settings}>{children}</SettingsContext.Provider>;
}

/** The values in effect (the built-in ones until the server has answered). */
export function useSettings(): SettingValues {
  return useContext(SettingsContext)?.values ?? BUILT_IN_SETTINGS;
}
