#!/usr/bin/env node
// Hearth's one entry point for people and CI: `npm start`, `npm test`, `npm run bench:*`.
// Needs only Node 20 and npm; installs everything else it needs, idempotently.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PNPM_VERSION = "10.34.9";

const env = { ...process.env };
// Native addons (argon2, better-sqlite3, node-pty) build against the local Node headers;
// without this node-gyp tries to download them, which fails offline.
if (!env.npm_config_nodedir && fs.existsSync("/usr/include/node/node.h")) {
  env.npm_config_nodedir = "/usr";
}
env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = "1";
env.TURBO_TELEMETRY_DISABLED = "1";
env.DO_NOT_TRACK = "1";
env.NEXT_TELEMETRY_DISABLED = "1";

function log(msg) {
  process.stderr.write(`[hearth] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit", ...opts });
  if (r.status !== 0) {
    log(`failed: ${cmd} ${args.join(" ")}`);
    process.exit(r.status ?? 1);
  }
}

function pnpmVersion() {
  try {
    return execFileSync("pnpm", ["--version"], { env, encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

function ensurePnpm() {
  const v = pnpmVersion();
  if (v?.startsWith("10.")) return;
  log(`installing pnpm ${PNPM_VERSION} (found ${v ?? "none"})`);
  run("npm", ["install", "--global", `pnpm@${PNPM_VERSION}`]);
}

function digest(files) {
  const h = createHash("sha256");
  for (const f of files) {
    const p = path.join(root, f);
    if (fs.existsSync(p)) h.update(fs.readFileSync(p));
  }
  h.update(process.version);
  return h.digest("hex");
}

function ensureDependencies() {
  const stamp = path.join(root, "node_modules", ".hearth-install");
  const want = digest(["pnpm-lock.yaml", "pnpm-workspace.yaml", "package.json"]);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === want) return;
  log("installing dependencies");
  run("pnpm", ["install", "--frozen-lockfile"]);
  // argon2 ships a prebuild that crashes on some Node 20 builds; prove the one we load works.
  const probe = spawnSync(process.execPath, ["-e", "require('argon2')"], {
    cwd: path.join(root, "packages", "auth"),
    env,
  });
  if (probe.status !== 0) {
    log("rebuilding argon2 from source");
    run("pnpm", ["--filter", "@hearth/auth", "rebuild", "argon2"]);
  }
  fs.writeFileSync(stamp, want);
}

function ensure() {
  const [major] = process.versions.node.split(".").map(Number);
  if (major < 20) {
    log(`Node ${process.versions.node} is too old: Hearth needs Node 20 or newer`);
    process.exit(1);
  }
  ensurePnpm();
  ensureDependencies();
}

/** Debian's Chromium for the end-to-end specs (no browser download is possible offline). */
function ensureChromium() {
  const chromium = env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (fs.existsSync(chromium)) return;
  if (process.getuid?.() !== 0) {
    log(`${chromium} is missing: install Debian's chromium package (apt-get install chromium)`);
    process.exit(1);
  }
  log("installing Chromium from Debian's packages");
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-qq"], { env: aptEnv });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { env: aptEnv });
}

/**
 * Debian's bubblewrap, the sandbox every terminal runs in. Without it the server still
 * starts, and opening a terminal says what to install (or set HEARTH_TERMINAL_SANDBOX=none
 * on a single-user machine).
 */
function ensureBubblewrap() {
  if (env.HEARTH_TERMINAL_SANDBOX === "none") return;
  const found = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"].some((f) =>
    fs.existsSync(f),
  );
  if (found) return;
  if (process.getuid?.() !== 0) {
    log(
      "bwrap is missing: install Debian's bubblewrap package (apt-get install bubblewrap) so terminals can run; until then opening one is refused",
    );
    return;
  }
  log("installing bubblewrap (the terminal sandbox) from Debian's packages");
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  const quiet = { cwd: root, env: aptEnv, stdio: "inherit" };
  const installed =
    spawnSync("apt-get", ["update", "-qq"], quiet).status === 0 &&
    spawnSync("apt-get", ["install", "-y", "-qq", "bubblewrap"], quiet).status === 0;
  if (!installed) {
    log(
      "could not install bubblewrap with apt-get: install it by hand (apt-get install bubblewrap); until then opening a terminal is refused",
    );
  }
}

/** Adds up what vitest and Playwright wrote to their JSON summaries. */
function printTotals(files) {
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    const t = JSON.parse(fs.readFileSync(f, "utf8"));
    if (t.stats) {
      // Playwright's JSON report
      total.passed += t.stats.expected + t.stats.flaky;
      total.failed += t.stats.unexpected;
      total.skipped += t.stats.skipped;
    } else {
      total.passed += t.passed;
      total.failed += t.failed;
      total.skipped += t.skipped;
    }
  }
  process.stdout.write(
    `\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`,
  );
  return total;
}

function exec(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, env, stdio: "inherit" });
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case "setup":
    ensure();
    break;
  case "start":
    ensure();
    ensureBubblewrap();
    run("pnpm", [
      "exec",
      "turbo",
      "run",
      "build",
      "--filter=@hearth/web",
      "--output-logs=errors-only",
    ]);
    exec(process.execPath, ["apps/web/dist/server.mjs", ...rest]);
    break;
  case "dev":
    ensure();
    // Next's development server inside the same process: pages compile on request and
    // reload in place; tsx restarts the process when the server's own code changes.
    env.NODE_ENV = "development";
    exec("pnpm", [
      "exec",
      "tsx",
      "watch",
      "--exclude",
      "apps/web/.next/**",
      "apps/web/src/server/main.ts",
      ...rest,
    ]);
    break;
  case "test": {
    ensure();
    ensureChromium();
    ensureBubblewrap();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-test-"));
    const unitSummary = path.join(out, "unit.json");
    const e2eSummary = path.join(out, "e2e.json");
    run("pnpm", ["exec", "turbo", "run", "typecheck", "build", "--output-logs=errors-only"]);
    run("pnpm", ["exec", "biome", "check", "."]);
    const unit = spawnSync("pnpm", ["exec", "vitest", "run", ...rest], {
      cwd: root,
      env: { ...env, HEARTH_TEST_SUMMARY: unitSummary },
      stdio: "inherit",
    });
    const e2e = spawnSync("pnpm", ["exec", "playwright", "test"], {
      cwd: root,
      env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: e2eSummary },
      stdio: "inherit",
    });
    const total = printTotals([unitSummary, e2eSummary]);
    fs.rmSync(out, { recursive: true, force: true });
    if (unit.status !== 0 || e2e.status !== 0 || total.failed > 0 || total.passed === 0) {
      process.exit(1);
    }
    break;
  }
  case "bench": {
    ensure();
    const name = rest[0];
    const file = path.join("bench", `${name}.ts`);
    if (!name || !fs.existsSync(path.join(root, file))) {
      log(`no such benchmark: ${name ?? "(none)"}`);
      process.exit(2);
    }
    run("pnpm", ["exec", "tsx", file, ...rest.slice(1)]);
    break;
  }
  default:
    log("usage: node scripts/hearth.mjs setup|start|dev|test|bench <name>");
    process.exit(2);
}
