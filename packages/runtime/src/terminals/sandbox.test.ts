import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  findBwrap,
  rootOnlyPaths,
  type SandboxConfig,
  sandboxCommand,
  sandboxConfigFromEnv,
} from "./sandbox";
import { LiveTerminal } from "./terminal";
import { run, TerminalReader } from "./testing";

// A data directory and workspaces laid out as Hearth lays them out.
const root = mkdtempSync(path.join(os.tmpdir(), "hearth-sandbox-test-"));
const dataDir = path.join(root, "data");
const mine = path.join(dataDir, "workspaces", "tenant-a", "user-a", "project");
const theirs = path.join(dataDir, "workspaces", "tenant-b", "user-b", "secret-project");
mkdirSync(mine, { recursive: true });
mkdirSync(theirs, { recursive: true });
writeFileSync(path.join(dataDir, "hearth.sqlite"), "SQLite format 3\0 pretend");
writeFileSync(path.join(dataDir, "jwt.key"), "signing-key-material");
writeFileSync(path.join(theirs, "plans.txt"), "other tenant's plans");

const bwrap = findBwrap();
let sandbox: SandboxConfig = { mode: "bubblewrap", bwrapPath: bwrap ?? "", network: true };
beforeAll(async () => {
  // As the terminal manager does when the server runs as root.
  if (process.getuid?.() === 0) sandbox = { ...sandbox, hidden: await rootOnlyPaths() };
});
const open: LiveTerminal[] = [];
let n = 0;

function start(folder = mine, config = sandbox) {
  const id = `s${++n}`;
  const t = new LiveTerminal({
    id,
    name: id,
    workspaceFolder: folder,
    shellDir: path.join(root, "shells", id),
    sandbox: config,
    cols: 120,
    rows: 30,
    baseEnv: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", TERM: "xterm-256color", LANG: "C.UTF-8" },
  });
  open.push(t);
  const reader = new TerminalReader(t.attach({ readOnly: false }));
  return { t, reader, sh: (cmd: string) => run(reader, (d) => t.input(d), cmd) };
}

afterEach(() => {
  for (const t of open.splice(0)) t.kill();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the terminal sandbox settings", () => {
  it("reads HEARTH_TERMINAL_SANDBOX and HEARTH_TERMINAL_NETWORK", () => {
    expect(sandboxConfigFromEnv({}).mode).toBe("bubblewrap");
    expect(sandboxConfigFromEnv({ HEARTH_TERMINAL_SANDBOX: "none" }).mode).toBe("none");
    expect(sandboxConfigFromEnv({ HEARTH_TERMINAL_NETWORK: "off" }).network).toBe(false);
    expect(() => sandboxConfigFromEnv({ HEARTH_TERMINAL_SANDBOX: "docker" })).toThrow(
      /bubblewrap or none/,
    );
  });

  it("refuses to open a terminal without bwrap, saying what to install", () => {
    const missing: SandboxConfig = {
      mode: "bubblewrap",
      bwrapPath: "/nonexistent/bwrap",
      network: true,
    };
    const opts = {
      workspaceFolder: mine,
      shellDir: root,
      startDir: ".",
      shell: "/bin/bash",
      shellArgs: [],
    };
    expect(() => sandboxCommand(missing, opts)).toThrow(
      /apt-get install bubblewrap.*HEARTH_TERMINAL_SANDBOX=none/,
    );
    expect(() => start(mine, missing)).toThrow(/bubblewrap/);
  });

  it("cuts the network with HEARTH_TERMINAL_NETWORK=off", () => {
    const opts = {
      workspaceFolder: mine,
      shellDir: root,
      startDir: ".",
      shell: "/bin/bash",
      shellArgs: [],
    };
    expect(sandboxCommand(sandbox, opts).args).toContain("--share-net");
    expect(sandboxCommand({ ...sandbox, network: false }, opts).args).not.toContain("--share-net");
  });
});

describe.skipIf(!bwrap)("from inside a sandboxed terminal", () => {
  it("works in the workspace folder, which it can write", async () => {
    const { sh } = start();
    const r = await sh("pwd && echo made > made-here.txt && id -u");
    expect(r.status).toBe(0);
    expect(r.output).toMatch(/\/workspace\r?\n/);
    expect(readFileSync(path.join(mine, "made-here.txt"), "utf8")).toBe("made\n");
  });

  it("has an account of its own: a name for its uid, the workspace as home, no server accounts", async () => {
    const { sh } = start();
    const r = await sh("id -un; echo ~; getent passwd | cut -d: -f1 | tr '\\n' ,");
    expect(r.status).toBe(0);
    expect(r.output).toMatch(/hearth\r?\n\/workspace\r?\n/);
    expect(r.output).toMatch(/root,hearth,nobody,/);
  });

  it("cannot read the SQLite file or jwt.key", async () => {
    const { sh } = start();
    for (const file of [path.join(dataDir, "hearth.sqlite"), path.join(dataDir, "jwt.key")]) {
      const r = await sh(`cat ${file}`);
      expect(r.status).not.toBe(0);
      expect(r.output).not.toContain("signing-key-material");
    }
    // The data directory is not there at all: only the system, the workspace and its own.
    const top = await sh("ls -a /");
    expect(top.output).not.toMatch(new RegExp(`\\b${path.basename(root)}\\b`));
  });

  it("cannot read what only root may read on the system, even with the server running as root", async () => {
    const { sh } = start();
    const shadow = await sh("cat /etc/shadow");
    expect(shadow.output).not.toMatch(/root:[^\r\n]*:[0-9]*:/);
    if (existsSync("/etc/ssl/private")) {
      expect((await sh("ls -A /etc/ssl/private | wc -l")).output).toMatch(/\b0\r?\n/);
    }
  });

  it("cannot list another tenant's folder", async () => {
    const { sh } = start();
    const r = await sh(`ls ${theirs} || ls ${path.dirname(theirs)}`);
    expect(r.status).not.toBe(0);
    expect((await sh(`ls ${path.dirname(mine)}`)).status).not.toBe(0);
  });

  it("cannot write outside the workspace", async () => {
    const { sh } = start();
    for (const target of ["/usr/hearth-was-here", "/etc/hearth-was-here", `${dataDir}/x`]) {
      expect((await sh(`echo x > ${target}`)).status).not.toBe(0);
    }
    expect(existsSync("/usr/hearth-was-here")).toBe(false);
    expect(existsSync("/etc/hearth-was-here")).toBe(false);
    // /tmp is its own: what is written there stays in this sandbox.
    expect((await sh("echo private > /tmp/mine.txt")).status).toBe(0);
    expect(existsSync("/tmp/mine.txt")).toBe(false);
  });

  it("cannot see another terminal's processes", async () => {
    const other = start();
    await other.sh("sleep 4242 & true");
    const { sh } = start();
    const r = await sh("ps -eo pid,args");
    expect(r.output).not.toContain("sleep 4242");
    // Its own shell is one of very few processes, in a pid namespace of its own.
    expect(r.output.trim().split("\n").length).toBeLessThan(8);
  });

  it("has the server's network, or none with HEARTH_TERMINAL_NETWORK=off", async () => {
    const list =
      'echo "[$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | paste -sd,)]"';
    const host = readFileSync("/proc/net/dev", "utf8")
      .split("\n")
      .slice(2)
      .map((line) => line.split(":")[0]!.trim())
      .filter(Boolean)
      .sort();
    expect((await start().sh(list)).output).toContain(`[${host.join(",")}]`);
    const off = await start(mine, { ...sandbox, network: false }).sh(list);
    expect(off.output).toContain("[lo]");
  });

  it("cannot become root", async () => {
    const { sh } = start();
    const id = await sh("id -u");
    expect(id.output).toMatch(/\b1000\r?\n/);
    expect((await sh("grep NoNewPrivs /proc/self/status")).output).toMatch(/NoNewPrivs:\s+1/);
    const attempts = [
      "sudo -n id -u",
      "su -c 'id -u' root </dev/null",
      "unshare -r id -u",
      "python3 -c 'import os; os.setuid(0)'",
    ];
    for (const attempt of attempts) {
      const r = await sh(`${attempt} 2>&1`);
      expect(r.status, attempt).not.toBe(0);
    }
  });
});
