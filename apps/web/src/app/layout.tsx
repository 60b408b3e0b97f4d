import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { HearthProviders } from "../lib/providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Hearth", template: "%s · Hearth" },
  description: "A browser IDE that never forgets where you were.",
  icons: { icon: "/favicon.svg" },
};

export const viewport: Viewport = { colorScheme: "dark", themeColor: "#16181d" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <HearthProviders>{children}</HearthProviders>
      </body>
    </html>
  );
}
