import path from "node:path";
import { type Page, test } from "@playwright/test";
import {
  clickGlyphMargin,
  editorGroup,
  editorText,
  expect,
  expectSaved,
  expectTerminalToShow,
  freshEmail,
  type OwnServer,
  openNewWorkspace,
  ownServer,
  registerThroughUi,
  removeServer,
  runInTerminal,
  signInThroughUi,
  tab,
  terminal,
  terminalText,
} from "./ide-support";

// Each test runs its own production server, so it can restart or kill it. A session takes
// a while to build up through the UI.
test.setTimeout(120_000);
test.use({ actionTimeout: 15_000 });
let server: OwnServer;
test.beforeEach(async () => {
  server = await ownServer();
});
test.afterEach(async () => {
  await removeServer(server);
});

/**
 * Builds up a session the way a person would: files made in the terminal, two files
 * open, unsaved text, a selection, a split, a breakpoint, a watch, a note, and a shell
 * that changed folder and exported a variable.
 */
async function workInASession(page: Page): Promise<string> {
  await registerThroughUi(page, server.url, freshEmail());
  const url = await openNewWorkspace(page, "Resume demo");
  await expectTerminalToShow(page, /\$$/);
  await runInTerminal(
    page,
    "mkdir -p src && printf 'const a = 1;\\nconst b = 2;\\nconst c = a + b;\\n' > src/app.ts && printf '# Notes\\n' > notes.md",
  );
  // The tree picks up what the terminal made.
  const tree = page.getByTestId("file-tree");
  await tree.getByRole("button", { name: "src" }).click();
  await tree.getByRole("button", { name: "app.ts" }).click();
  await expect(editorGroup(page, 1).locator(".view-lines")).toContainText("const b = 2;");
  await tree.getByRole("button", { name: "notes.md" }).click();
  await expect(editorGroup(page, 1).locator(".view-lines")).toContainText("# Notes");

  // Unsaved text in notes.md.
  await editorGroup(page, 1).locator(".view-lines").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("unsaved thought");
  await expect(tab(page, 1, "notes.md")).toContainText("modified");

  // Split side by side: app.ts in the second group, line 2 selected, a breakpoint on 3.
  await page.getByRole("button", { name: "Side by side" }).click();
  await editorGroup(page, 2)
    .getByRole("tab", { name: /^notes\.md/ })
    .waitFor();
  await tree.getByRole("button", { name: "app.ts" }).click();
  await expect(editorGroup(page, 2).locator(".view-lines")).toContainText("const c = a + b;");
  await editorGroup(page, 2).locator(".view-line", { hasText: "const b = 2;" }).click();
  await page.keyboard.press("End");
  await page.keyboard.press("Shift+Home");
  await clickGlyphMargin(page, 2, 3);
  await expect(editorGroup(page, 2).locator(".hearth-breakpoint")).toHaveCount(1);

  // A watch and a note.
  await page.getByRole("textbox", { name: "Watch expression" }).fill("a + b");
  await page.getByRole("button", { name: "Add watch" }).click();
  await page.getByRole("tab", { name: "Notes", exact: true }).click();
  await page.getByRole("textbox", { name: "Fact" }).fill("the build needs Node 20");
  await page.getByRole("button", { name: "Add fact" }).click();

  // The shell changes folder and exports a variable.
  await runInTerminal(page, "cd src && export HEARTH_DEMO=1");
  await expectTerminalToShow(page, /src\$$/);
  await expectSaved(page);
  return url;
}

/** Every item of workInASession is back. */
async function expectRestored(page: Page): Promise<void> {
  await expect(page.getByRole("button", { name: "Side by side" })).toHaveAttribute(
    "aria-pressed",
    "true",
  );
  await expect(tab(page, 1, "notes.md")).toContainText("modified");
  await expect(tab(page, 1, "app.ts")).toBeVisible();
  await expect(tab(page, 2, "app.ts")).toHaveAttribute("aria-selected", "true");
  await expect.poll(() => editorText(page, 1)).toContain("# Notes\nunsaved thought");
  await expect.poll(() => editorText(page, 2)).toContain("const c = a + b;");
  // The cursor and selection of app.ts: line 2 selected, cursor at its start.
  await expect(editorGroup(page, 2).locator(".selected-text").first()).toBeVisible();
  await expect(page.getByText("Ln 2, Col 1")).toBeVisible();
  await expect(editorGroup(page, 2).locator(".hearth-breakpoint")).toHaveCount(1);
  await expect(page.getByText("src/app.ts:3")).toBeVisible();
  // The file tree's src folder is still open.
  const tree = page.getByTestId("file-tree");
  await expect(tree.getByRole("button", { name: "src" })).toHaveAttribute("aria-expanded", "true");
  await expect(tree.getByRole("button", { name: "app.ts" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Watch" }).getByText("a + b")).toBeVisible();
  await page.getByRole("tab", { name: "Notes", exact: true }).click();
  await expect(page.getByText("the build needs Node 20")).toBeVisible();
  await expect(page.getByTestId("autosave-status")).toHaveText("Saved");
}

test("a reload brings back every part of the session, and the same shell", async ({ page }) => {
  await workInASession(page);
  await page.reload();
  await expectRestored(page);
  // The same shell: the variable it exported is still set.
  await runInTerminal(page, "echo $HEARTH_DEMO");
  await expectTerminalToShow(page, /^1\s*$/m);

  // The README's picture of the IDE, taken here where the session is full.
  await page.getByRole("tab", { name: "Watch", exact: true }).click();
  await page.screenshot({ path: path.resolve(import.meta.dirname, "../docs/images/ide.png") });
});

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  test(`after a server ${signal === "SIGTERM" ? "restart" : "kill -9"} the session and its terminal come back`, async ({
    page,
  }) => {
    const url = await workInASession(page);
    await runInTerminal(page, "echo before-the-restart");
    await expectTerminalToShow(page, /^before-the-restart\s*$/m);
    if (signal === "SIGKILL") {
      // The terminal's state is saved every 2 s while output flows; give it one round.
      await page.waitForTimeout(2500);
    }
    await server.stop(signal);
    await server.start();
    await page.goto(url);
    await expectRestored(page);
    // The terminal revived with the old output above it; Up-arrow recalls the last command.
    await expectTerminalToShow(page, /^before-the-restart\s*$/m);
    const echoes = async () =>
      (await terminalText(page)).match(/^before-the-restart\s*$/gm)?.length ?? 0;
    const before = await echoes();
    await terminal(page).locator(".terminal-view:not([hidden]) .xterm-screen").click();
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Enter");
    await expect.poll(echoes).toBe(before + 1);
    // In src, with the exported variable.
    await runInTerminal(page, "pwd; echo demo=$HEARTH_DEMO");
    await expectTerminalToShow(page, /\/src\s*\n\s*demo=1\s*$/m);
  });
}

test("another browser signed in as the same person sees the same session", async ({
  page,
  browser,
}) => {
  const email = freshEmail();
  await registerThroughUi(page, server.url, email);
  const url = await openNewWorkspace(page, "Two devices");
  await page.getByRole("button", { name: "New file" }).click();
  await page.getByLabel("New file in the workspace").fill("draft.md");
  await page.getByLabel("New file in the workspace").press("Enter");
  await expect(tab(page, 1, "draft.md")).toBeVisible();
  await editorGroup(page, 1).locator(".view-lines").click();
  await page.keyboard.type("typed on the laptop");
  await expectSaved(page);

  const other = await browser.newContext();
  const second = await other.newPage();
  await signInThroughUi(second, server.url, email);
  await second.goto(url);
  await expect(tab(second, 1, "draft.md")).toContainText("modified");
  await expect.poll(() => editorText(second, 1)).toContain("typed on the laptop");
  await other.close();
});

test("two tabs on one session editing different files both keep their text", async ({
  page,
  context,
}) => {
  await registerThroughUi(page, server.url, freshEmail());
  const url = await openNewWorkspace(page, "Two tabs");
  await runInTerminal(page, "printf 'one\\n' > one.txt && printf 'two\\n' > two.txt");
  const second = await context.newPage();
  await second.goto(url);

  for (const [p, file, text] of [
    [page, "one.txt", "from the first tab"],
    [second, "two.txt", "from the second tab"],
  ] as const) {
    await p.getByTestId("file-tree").getByRole("button", { name: file }).click();
    await expect(editorGroup(p, 1).locator(".view-lines")).toContainText(file.slice(0, 3));
    await editorGroup(p, 1).locator(".view-lines").click();
    await p.keyboard.press("Control+End");
    await p.keyboard.type(text);
  }
  await expectSaved(page);
  await expectSaved(second);

  const third = await context.newPage();
  await third.goto(url);
  for (const [file, text] of [
    ["one.txt", "from the first tab"],
    ["two.txt", "from the second tab"],
  ] as const) {
    await tab(third, 1, file).click();
    await expect.poll(() => editorText(third, 1)).toContain(text);
  }
});

test("text typed while offline is kept in the browser and saved once back online", async ({
  page,
  context,
  browser,
}) => {
  const email = freshEmail();
  await registerThroughUi(page, server.url, email);
  const url = await openNewWorkspace(page, "Offline");
  await runInTerminal(page, "printf 'start\\n' > offline.txt");
  await page.getByTestId("file-tree").getByRole("button", { name: "offline.txt" }).click();
  await expect(editorGroup(page, 1).locator(".view-lines")).toContainText("start");
  await expectSaved(page);

  await context.setOffline(true);
  await editorGroup(page, 1).locator(".view-lines").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("written on the train");
  await expect(page.getByTestId("autosave-status")).toHaveText("Offline");
  // A reload while offline finds no server: only the browser holds the text now.
  await page.reload().catch(() => {});
  await context.setOffline(false);
  await page.goto(url);
  await expect.poll(() => editorText(page, 1)).toContain("written on the train");
  await expectSaved(page);

  // It reached the server: another device sees it.
  const other = await browser.newContext();
  const device = await other.newPage();
  await signInThroughUi(device, server.url, email);
  await device.goto(url);
  await expect.poll(() => editorText(device, 1)).toContain("written on the train");
  await other.close();
});
