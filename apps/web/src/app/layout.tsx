import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { HearthProviders } from "../lib/providers";
import { THEME_BOOT_SCRIPT } from "../settings/theme";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Hearth", template: "%s · Hearth" },
  description: "A browser IDE that never forgets where you were.",
  icons: { icon: "/favicon.svg" },
};

export const viewport: Viewport = { colorScheme: "dark", themeColor: "#16181d" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The theme attribute is set before React hydrates (see THEME_BOOT_SCRIPT).
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_BOOT_SCRIPT }} />
      </head>
      <body>
        <HearthProviders>{children}</HearthProviders>
      </body>
    </html>
  );
}
