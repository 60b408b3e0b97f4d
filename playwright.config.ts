import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3107);
export const baseURL = `http://127.0.0.1:${port}`;
/** The server mails here; e2e/mailbox.ts listens while a spec reads mail. */
export const smtpPort = Number(process.env.E2E_SMTP_PORT ?? port + 1);

/**
 * End-to-end specs drive Debian's Chromium against the production server (built by
 * `pnpm test` before this runs) over real HTTP, with a fresh data directory per run.
 */
export default defineConfig({
  testDir: "e2e",
  outputDir: path.join(os.tmpdir(), "hearth-e2e-results"),
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // Two shared cores build, serve and drive Chromium at once: a person would wait this long.
  expect: { timeout: 15_000 },
  workers: 2,
  // `pnpm test` asks for a JSON summary too, to print one closing line for every suite.
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  use: {
    baseURL,
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    command: "node apps/web/dist/server.mjs",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      HEARTH_DATA_DIR: path.join(os.tmpdir(), `hearth-e2e-${process.pid}`),
      HEARTH_LOG_LEVEL: "warn",
      // Every spec registers from 127.0.0.1; the default allows 20 accounts an hour per IP.
      HEARTH_MAX_REGISTRATIONS_PER_IP: "500",
      HEARTH_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    },
  },
});
