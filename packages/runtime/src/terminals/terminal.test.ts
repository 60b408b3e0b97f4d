import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { WorkspaceFiles } from "../files/workspace-files";
import { findBwrap, type SandboxConfig } from "./sandbox";
import { HIGH_WATERMARK, LiveTerminal, type TerminalState } from "./terminal";
import { run, TerminalReader } from "./testing";

const root = mkdtempSync(path.join(os.tmpdir(), "hearth-terminal-test-"));
const folder = path.join(root, "workspace");
mkdirSync(path.join(folder, "src"), { recursive: true });
const open: LiveTerminal[] = [];
let n = 0;

const modes: SandboxConfig[] = [{ mode: "none", bwrapPath: "", network: true }];
const bwrap = findBwrap();
if (bwrap) modes.push({ mode: "bubblewrap", bwrapPath: bwrap, network: true });

function start(sandbox: SandboxConfig, revive?: TerminalState): LiveTerminal {
  const id = `t${++n}`;
  const t = new LiveTerminal({
    id,
    name: id,
    workspaceFolder: folder,
    shellDir: path.join(root, "shells", id),
    sandbox,
    cols: 100,
    rows: 30,
    revive,
    baseEnv: { PATH: "/usr/bin:/bin", TERM: "xterm-256color", LANG: "C.UTF-8" },
  });
  open.push(t);
  return t;
}

afterEach(() => {
  for (const t of open.splice(0)) t.kill();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(modes)("a live terminal (sandbox: $mode)", (sandbox) => {
  it("echoes what is typed, and knows the cwd, each command with its exit code and the exported variables", async () => {
    const t = start(sandbox);
    const reader = new TerminalReader(t.attach({ readOnly: false }));
    const input = (d: string) => t.input(d);
    expect((await run(reader, input, "echo hello-$((6*7))")).output).toContain("hello-42");
    expect((await run(reader, input, "cd src && export GREETING='hi there'")).status).toBe(0);
    await run(reader, input, "false");
    await run(reader, input, "true");
    await t.settled();
    expect(t.cwd).toBe("src");
    expect(t.environmentVars).toEqual({ GREETING: "hi there" });
    expect(t.commandHistory.some((c) => c.startsWith("cd src && export GREETING="))).toBe(true);
    expect(t.commandHistory.some((c) => c.startsWith("false;"))).toBe(true);
  });

  it("sends a new viewer the screen as it is now (colours included), then live output", async () => {
    const t = start(sandbox);
    const first = new TerminalReader(t.attach({ readOnly: false }));
    await run(first, (d) => t.input(d), "printf '\\033[31mred-%s\\033[0m\\n' words");
    await t.settled();
    const second = new TerminalReader(t.attach({ readOnly: true }));
    await second.waitFor("\x1b[31mred-words");
    const from = second.text.length;
    t.input("echo after-attach\r");
    await second.waitFor("after-attach", { from });
    // The screen was sent once, not the raw output again.
    expect(second.text.split("red-words").length - 1).toBe(1);
  });

  it("quick open finds a file made by a command as soon as the command has finished", async () => {
    const files = await WorkspaceFiles.open(folder);
    const name = `made-by-shell-${sandbox.mode}.txt`;
    const found = async () => (await files.search(name)).map((h) => h.path);
    expect(await found()).not.toContain(`src/${name}`); // indexed before the command
    const t = start(sandbox);
    const reader = new TerminalReader(t.attach({ readOnly: false }));
    const from = reader.text.length;
    expect((await run(reader, (d) => t.input(d), `touch src/${name}`)).status).toBe(0);
    // The shell reports the command line done (with its status) after the command ran.
    await reader.waitFor(new RegExp(`${name}[\\s\\S]*\x1b\\]633;D;0`), { from });
    await t.settled();
    expect(await found()).toContain(`src/${name}`);
  });

  it("revives in the saved cwd with the saved variables, history on Up-arrow, and the old screen above a restored line", async () => {
    const t = start(sandbox, {
      cwd: "src",
      commandHistory: ["echo first-saved", "echo last-saved-command"],
      environmentVars: { SAVED_VAR: "kept" },
      scrollback: "\x1b[32mold screen line\x1b[0m\r\n$ ",
    });
    const reader = new TerminalReader(t.attach({ readOnly: false }));
    await reader.waitFor(/old screen line[\s\S]*restored/);
    const { output } = await run(reader, (d) => t.input(d), 'echo "[$PWD][$SAVED_VAR]"');
    expect(output).toMatch(/\[[^\]]*\/src\]\[kept\]/);
    const from = reader.text.length;
    // Up twice: past the echo just run, to the last saved command.
    t.input("\x1b[A\x1b[A\r");
    await reader.waitFor(/last-saved-command\r?\n/, { from });
  });

  it("pauses the shell's output while a viewer falls behind, and Ctrl+C still stops it", async () => {
    const t = start(sandbox);
    let backlog = 0;
    const reader = new TerminalReader(
      t.attach({ readOnly: false, transportBacklog: () => backlog }),
    );
    await run(reader, (d) => t.input(d), "true");
    backlog = HIGH_WATERMARK * 4;
    t.input("yes\r");
    const deadline = Date.now() + 5000;
    while (!t.isPaused && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(t.isPaused).toBe(true);
    const held = reader.text.length;
    // Longer than the output budget takes to refill: held for the viewer, not the rate.
    await new Promise((r) => setTimeout(r, 1200));
    expect(t.isPaused).toBe(true);
    // While paused, next to nothing more arrives.
    expect(reader.text.length - held).toBeLessThan(HIGH_WATERMARK);
    t.input("\x03");
    backlog = 0;
    const { status } = await run(reader, (d) => t.input(d), "echo stopped", 15_000);
    expect(status).toBe(0);
    expect(t.isPaused).toBe(false);
  });
});
