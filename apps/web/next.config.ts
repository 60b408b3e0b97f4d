import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The web app as the Hearth server mounts it (src/server/web-app.ts): Next answers every
 * path outside /api, so it has no API routes of its own and no server of its own.
 */
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  devIndicators: false,
  // The Hearth server logs every request itself, as JSON.
  logging: { incomingRequests: false },
  // The pnpm workspace root, where the lockfile and the hoisted packages are.
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  // The browser reads the preference keys' specs straight from the db package's source.
  transpilePackages: ["@hearth/db"],
  typescript: {
    // The app's own tsconfig (DOM, JSX); tsconfig.json is the server's.
    tsconfigPath: "tsconfig.app.json",
    // `pnpm typecheck` checks the app; the build does not check it a second time.
    ignoreBuildErrors: true,
  },
};

export default config;
