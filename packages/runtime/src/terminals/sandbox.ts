import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, lstatSync } from "node:fs";
import path from "node:path";

/** How a terminal's shell is confined. */
export type SandboxMode = "bubblewrap" | "none";

export interface SandboxConfig {
  mode: SandboxMode;
  /** The bubblewrap binary (`bwrap`), when mode is "bubblewrap". */
  bwrapPath: string;
  /** Whether the shell may reach the network (`HEARTH_TERMINAL_NETWORK=off` turns it off). */
  network: boolean;
  /**
   * System files and folders only their owner may read, covered inside the sandbox (see
   * rootOnlyPaths); `d` marks a folder.
   */
  hidden?: ReadonlyArray<{ path: string; dir: boolean }> | undefined;
}

/** Where the workspace folder appears inside the sandbox. */
export const SANDBOX_WORKSPACE = "/workspace";
/** Where the terminal's own files (rcfile, seeded history) appear inside the sandbox. */
export const SANDBOX_SHELL_DIR = "/.hearth";
/** The unprivileged uid and gid the shell runs as inside the sandbox. */
export const SANDBOX_UID = 1000;

/** Raised when a terminal cannot be opened safely; the message is for the user. */
export class SandboxUnavailableError extends Error {
  override readonly name = "SandboxUnavailableError";
}

const BWRAP_CANDIDATES = ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `bwrap` on PATH or in the usual places, or undefined. */
export function findBwrap(envPath = process.env.PATH ?? ""): string | undefined {
  const onPath = envPath
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, "bwrap"));
  return [...onPath, ...BWRAP_CANDIDATES].find(executable);
}

/**
 * Reads `HEARTH_TERMINAL_SANDBOX` (`bubblewrap`, the default, or `none` for a single-user
 * machine) and `HEARTH_TERMINAL_NETWORK` (`off` cuts the shell from the network).
 */
export function sandboxConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  const raw = (env.HEARTH_TERMINAL_SANDBOX ?? "").trim().toLowerCase();
  if (raw !== "" && raw !== "bubblewrap" && raw !== "none") {
    throw new Error("HEARTH_TERMINAL_SANDBOX must be bubblewrap or none.");
  }
  const net = (env.HEARTH_TERMINAL_NETWORK ?? "").trim().toLowerCase();
  if (net !== "" && net !== "on" && net !== "off") {
    throw new Error("HEARTH_TERMINAL_NETWORK must be on or off.");
  }
  return {
    mode: raw === "none" ? "none" : "bubblewrap",
    bwrapPath: findBwrap(env.PATH) ?? "",
    network: net !== "off",
  };
}

/** The name the shell's user has inside the sandbox (its prompt says `hearth@hearth`). */
export const SANDBOX_USER = "hearth";

/**
 * The sandbox's own `/etc/passwd` and `/etc/group`, written next to the shell's rc file:
 * the shell's uid has a name and the workspace as home, and the server's own accounts are
 * not listed to every terminal.
 */
export function sandboxAccountFiles(): { passwd: string; group: string } {
  const id = SANDBOX_UID;
  return {
    passwd: [
      "root:x:0:0:root:/root:/usr/sbin/nologin",
      `${SANDBOX_USER}:x:${id}:${id}:Hearth:${SANDBOX_WORKSPACE}:/bin/bash`,
      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
      "",
    ].join("\n"),
    group: ["root:x:0:", `${SANDBOX_USER}:x:${id}:`, "nogroup:x:65534:", ""].join("\n"),
  };
}

/** The read-only system folders the shell sees (those that exist here). */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc", "/opt"];

/**
 * The files and folders of the read-only system folders that the world may not read
 * (`/etc/shadow`, `/etc/ssl/private`...). A server running as root maps the sandbox's uid
 * to root outside it, which would make the shell their owner: they are covered with an
 * empty file or folder instead. Found once per server with `find` (about a second).
 */
export async function rootOnlyPaths(): Promise<Array<{ path: string; dir: boolean }>> {
  const roots = SYSTEM_DIRS.filter((dir) => {
    try {
      return lstatSync(dir).isDirectory();
    } catch {
      return false;
    }
  });
  if (roots.length === 0) return [];
  // biome-ignore format: find's expression reads best on one line
  const args = [...roots, "-xdev", "(", "-type", "d", "(", "!", "-perm", "-o=r", "-o", "!", "-perm", "-o=x", ")", "-prune", "-printf", "d %p\\n", ")", "-o", "(", "!", "-type", "d", "!", "-type", "l", "!", "-perm", "-o=r", "-printf", "f %p\\n", ")"];
  const out = await new Promise<string>((resolve) => {
    // find exits non-zero on any unreadable folder; what it printed still holds.
    execFile("find", args, { maxBuffer: 16 * 1024 * 1024 }, (_err, stdout) => resolve(stdout));
  });
  return out
    .split("\n")
    .filter((line) => line.length > 2)
    .map((line) => ({ path: line.slice(2), dir: line[0] === "d" }));
}

export interface SandboxCommand {
  file: string;
  args: string[];
  /** The working directory to start the process in (outside the sandbox). */
  cwd: string;
}

/**
 * The command that runs `shell shellArgs` for one terminal. With bubblewrap: the workspace
 * folder at /workspace (the only writable place), the system read-only, the terminal's own
 * files read-only at /.hearth, a private /tmp, /proc and /dev of its own, every namespace
 * unshared (its own pid namespace, network only if allowed), uid 1000, no new privileges
 * and no further user namespaces; the data directory and every other workspace are simply
 * never mounted. `startDir` is the folder to start in, relative to the workspace.
 */
export function sandboxCommand(
  config: SandboxConfig,
  opts: {
    workspaceFolder: string;
    shellDir: string;
    startDir: string;
    shell: string;
    shellArgs: string[];
  },
): SandboxCommand {
  if (config.mode === "none") {
    return {
      file: opts.shell,
      args: opts.shellArgs,
      cwd: path.join(opts.workspaceFolder, opts.startDir),
    };
  }
  if (!config.bwrapPath || !existsSync(config.bwrapPath)) {
    throw new SandboxUnavailableError(
      "Terminals run inside a bubblewrap sandbox, and bwrap is not installed on this server: install Debian's bubblewrap package (apt-get install bubblewrap), or set HEARTH_TERMINAL_SANDBOX=none on a single-user machine.",
    );
  }
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) if (existsSync(dir)) args.push("--ro-bind", dir, dir);
  for (const { path: hidden, dir } of config.hidden ?? []) {
    if (dir) args.push("--tmpfs", hidden, "--remount-ro", hidden);
    else args.push("--ro-bind", "/dev/null", hidden);
  }
  // Written by the terminal before it starts (sandboxAccountFiles).
  for (const file of ["passwd", "group"]) {
    args.push("--ro-bind", path.join(opts.shellDir, file), `/etc/${file}`);
  }
  args.push(
    "--bind",
    opts.workspaceFolder,
    SANDBOX_WORKSPACE,
    "--ro-bind",
    opts.shellDir,
    SANDBOX_SHELL_DIR,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--unshare-all",
    "--unshare-user",
  );
  if (config.network) args.push("--share-net");
  args.push(
    "--disable-userns",
    "--die-with-parent",
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_UID),
    "--hostname",
    "hearth",
    "--chdir",
    path.posix.join(SANDBOX_WORKSPACE, opts.startDir),
    "--",
    opts.shell,
    ...opts.shellArgs,
  );
  return { file: config.bwrapPath, args, cwd: opts.workspaceFolder };
}
