/**
 * What the IDE specs share: a production server of their own (so a spec can restart it or
 * kill it), registering and creating a workspace through the UI, and reading the
 * terminal's screen and the editors as a person sees them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect as baseExpect, type Locator, type Page } from "@playwright/test";
import { type Mailbox, openMailbox } from "./mailbox";

/** The IDE's specs wait longer than the default: Monaco and terminals on a busy machine. */
export const expect = baseExpect.configure({ timeout: 15_000 });

const root = path.resolve(import.meta.dirname, "..");
export const PASSWORD = "correct horse battery";

let counter = 0;
export const freshEmail = () => `ide-${Date.now()}-${process.pid}-${++counter}@example.com`;

export interface OwnServer {
  url: string;
  dataDir: string;
  /** Stops the server: SIGTERM lets it save and close, SIGKILL is a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
}

/** The production server (apps/web/dist/server.mjs) on a port and data directory of its own. */
export async function ownServer(env: Record<string, string> = {}): Promise<OwnServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-ide-e2e-"));
  let port = 0;
  let child: ChildProcess | null = null;
  const server: OwnServer = {
    url: "",
    dataDir,
    async start() {
      const proc = spawn(process.execPath, [path.join(root, "apps/web/dist/server.mjs")], {
        cwd: root,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: "127.0.0.1",
          HEARTH_DATA_DIR: dataDir,
          HEARTH_LOG_LEVEL: "warn",
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = proc;
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 60_000);
        proc.stderr?.on("data", (d: Buffer) => {
          err += d.toString();
        });
        proc.stdout?.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /hearth listening on (http:\/\/[\d.]+:(\d+))/.exec(out);
          if (m) {
            clearTimeout(timer);
            port = Number(m[2]);
            resolve(m[1]!);
          }
        });
        proc.on("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
      });
      server.url = url;
    },
    async stop(signal = "SIGTERM") {
      const proc = child;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill(signal);
      await exited;
      child = null;
    },
  };
  await server.start();
  return server;
}

/** A loopback port nothing listens on now. */
/** A server of its own, mailing to a mailbox of its own: invitations need a confirmed email. */
export async function ownServerWithMailbox(): Promise<{ server: OwnServer; mailbox: Mailbox }> {
  const smtp = await freePort();
  const mailbox = await openMailbox(smtp);
  const server = await ownServer({ HEARTH_SMTP_URL: `smtp://127.0.0.1:${smtp}` });
  return { server, mailbox };
}

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function removeServer(server: OwnServer): Promise<void> {
  await server.stop("SIGKILL");
  fs.rmSync(server.dataDir, { recursive: true, force: true });
}

/** Registers through the form, as a person does, and waits for the dashboard. */
export async function registerThroughUi(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/register`);
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Lovelace");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
}

export async function signInThroughUi(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
}

/** Creates a workspace from the dashboard and opens it; answers its page's URL. */
export async function openNewWorkspace(page: Page, name: string): Promise<string> {
  const form = page.getByRole("form", { name: "New workspace" });
  await form.getByLabel("Name").fill(name);
  await form.getByRole("button", { name: "Create workspace" }).click();
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page).toHaveURL(/\/w\/[\w-]+$/);
  await expect(page.getByTestId("editor")).toBeVisible();
  return page.url();
}

export const terminal = (page: Page): Locator => page.getByTestId("terminal");

/** The terminal screen's rows as rendered, trailing blanks trimmed (the DOM renderer's). */
export async function terminalText(page: Page): Promise<string> {
  const rows = terminal(page).locator(".terminal-view:not([hidden]) .xterm-rows");
  return rows.evaluate((el) =>
    Array.from(el.children)
      .map((row) => (row.textContent ?? "").replace(/\u00a0/g, " ").trimEnd())
      .join("\n")
      .trimEnd(),
  );
}

export async function expectTerminalToShow(page: Page, pattern: RegExp, timeout = 15_000) {
  await expect.poll(() => terminalText(page), { timeout }).toMatch(pattern);
}

/** Types a command into the terminal and presses Enter. */
export async function runInTerminal(page: Page, command: string): Promise<void> {
  await terminal(page).locator(".terminal-view:not([hidden]) .xterm-screen").click();
  await page.keyboard.type(command);
  await page.keyboard.press("Enter");
}

/** The editor group with Monaco in it (1 or 2). */
export const editorGroup = (page: Page, n: 1 | 2): Locator =>
  page.getByRole("region", { name: `Editor group ${n}`, exact: true });

export const tab = (page: Page, group: 1 | 2, name: string): Locator =>
  editorGroup(page, group).getByRole("tab", { name: new RegExp(`^${name.replace(".", "\\.")}`) });

export async function expectSaved(page: Page): Promise<void> {
  await expect(page.getByTestId("autosave-status")).toHaveText("Saved", { timeout: 10_000 });
}

/** The text Monaco shows in a group (its visible lines, top to bottom). */
export async function editorText(page: Page, group: 1 | 2): Promise<string> {
  return editorGroup(page, group)
    .locator(".view-lines")
    .evaluate((el) =>
      Array.from(el.querySelectorAll<HTMLElement>(".view-line"))
        .sort((a, b) => a.offsetTop - b.offsetTop)
        .map((l) => (l.textContent ?? "").replace(/\u00a0/g, " "))
        .join("\n"),
    );
}

/** Clicks the glyph margin beside line `line` of a group's editor (sets a breakpoint). */
export async function clickGlyphMargin(page: Page, group: 1 | 2, line: number): Promise<void> {
  const editor = editorGroup(page, group);
  const number = editor.locator(".line-numbers", { hasText: new RegExp(`^${line}$`) });
  const margin = editor.locator(".glyph-margin").first();
  const lineBox = (await number.boundingBox())!;
  const marginBox = (await margin.boundingBox())!;
  await page.mouse.click(marginBox.x + marginBox.width / 2, lineBox.y + lineBox.height / 2);
}
