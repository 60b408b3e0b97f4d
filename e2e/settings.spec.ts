import { type Page, test } from "@playwright/test";
import {
  editorGroup,
  expect,
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
} from "./ide-support";
import { call, expectAccessible } from "./web-support";

let server: OwnServer;
test.beforeEach(async () => {
  server = await ownServer();
});
test.afterEach(async () => {
  await removeServer(server);
});
test.setTimeout(120_000);

const monacoTheme = (page: Page) =>
  editorGroup(page, 1)
    .locator(".monaco-editor")
    .first()
    .evaluate((el) => ["vs-dark", "hc-black", "vs"].find((t) => el.classList.contains(t)));
const editorFontSize = (page: Page) =>
  editorGroup(page, 1)
    .locator(".view-lines")
    .evaluate((el) => getComputedStyle(el).fontSize);
const terminalFontSize = (page: Page) =>
  terminal(page)
    .locator(".terminal-view:not([hidden]) .xterm-rows")
    .evaluate((el) => getComputedStyle(el).fontSize);

test("settings changed on one device apply at once in the IDE open on another, and reset", async ({
  browser,
}) => {
  const email = freshEmail();
  const ide = await (await browser.newContext()).newPage();
  await registerThroughUi(ide, server.url, email);
  await openNewWorkspace(ide, "preferences");
  await ide.getByRole("button", { name: "New file" }).click();
  await ide.getByLabel("New file in the workspace").fill("notes.md");
  await ide.getByLabel("New file in the workspace").press("Enter");
  await expect.poll(() => monacoTheme(ide)).toBe("vs-dark");
  await expect.poll(() => editorFontSize(ide)).toBe("14px");
  await expectAccessible(ide);

  // Another device: the same person, signed in separately, on the settings page.
  const other = await (await browser.newContext()).newPage();
  await signInThroughUi(other, server.url, email);
  await other.goto(`${server.url}/settings`);
  await expect(other.getByRole("heading", { name: "Settings", exact: true })).toBeVisible();
  await expect(other.getByTestId("source-theme")).toHaveText("Default");
  await expectAccessible(other);

  // A slow network: each change is still on its way while the next field is typed into.
  await other.route(/settings\.update/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 800));
    await route.continue();
  });
  await other
    .getByRole("combobox", { name: "Theme", exact: true })
    .selectOption({ label: "Light" });
  await other.getByRole("spinbutton", { name: "Editor font size" }).fill("20");
  await other.getByRole("spinbutton", { name: "Editor font size" }).press("Enter");
  await other.getByRole("spinbutton", { name: "Terminal font size" }).fill("16");
  await other.getByRole("spinbutton", { name: "Terminal font size" }).press("Enter");
  await expect(other.getByTestId("source-theme")).toHaveText("Yours");
  await expect(other.getByTestId("source-editorFontSize")).toHaveText("Yours");
  await expect(other.getByTestId("source-terminalFontSize")).toHaveText("Yours");
  await expect(other.getByRole("spinbutton", { name: "Terminal font size" })).toHaveValue("16");

  // The IDE, never reloaded, follows.
  await expect.poll(() => monacoTheme(ide)).toBe("vs");
  await expect.poll(() => editorFontSize(ide)).toBe("20px");
  await expect.poll(() => terminalFontSize(ide)).toBe("16px");
  await expect(ide.locator("html")).toHaveAttribute("data-theme", "light");
  await expectAccessible(other);
  // A page loaded later starts in the theme before its settings arrive: no dark flash.
  await other.reload({ waitUntil: "domcontentloaded" });
  expect(await other.evaluate(() => document.documentElement.dataset.theme)).toBe("light");

  // A number out of range is refused with the range, and nothing changes.
  await other.getByRole("spinbutton", { name: "Editor font size" }).fill("400");
  await other.getByRole("spinbutton", { name: "Editor font size" }).press("Enter");
  await expect(other.getByRole("alert").filter({ hasText: "font size" })).toHaveText(
    "Editor font size must be a whole number from 8 to 40.",
  );
  expect(await editorFontSize(ide)).toBe("20px");

  // One key reset: the theme goes back to the default everywhere; the font size stays.
  await other.getByRole("button", { name: "Reset Theme" }).click();
  await expect(other.getByTestId("source-theme")).toHaveText("Default");
  await expect.poll(() => monacoTheme(ide)).toBe("vs-dark");
  expect(await editorFontSize(ide)).toBe("20px");

  // Ctrl+, in the IDE opens the settings, which show the same values.
  await editorGroup(ide, 1).locator(".view-lines").click();
  await ide.keyboard.press("Control+Comma");
  await expect(ide).toHaveURL(/\/settings$/);
  await expect(ide.getByRole("spinbutton", { name: "Editor font size" })).toHaveValue("20");

  // Reset all asks first, then every value is the default again.
  await ide.getByRole("button", { name: "Reset all" }).click();
  await ide.getByRole("dialog").getByRole("button", { name: "Reset all" }).click();
  await expect(ide.getByTestId("source-editorFontSize")).toHaveText("Default");
  await expect(other.getByRole("spinbutton", { name: "Editor font size" })).toHaveValue("14");
});

test("“Save files to disk automatically” writes modified files after the delay, or when focus leaves the editor", async ({
  page,
}) => {
  await registerThroughUi(page, server.url, freshEmail());
  await call(page, "settings.update", { saveFilesToDisk: "afterDelay", autosaveDelayMs: 300 });
  await openNewWorkspace(page, "saving");
  await runInTerminal(page, "echo one > a.txt; echo two > b.txt");
  await expectTerminalToShow(page, /echo one > a\.txt; echo two > b\.txt\n.*\$$/);
  const tree = page.getByTestId("file-tree");

  // After the delay: typed, then on disk, and the tab no longer modified.
  await tree.getByRole("button", { name: "a.txt", exact: true }).click();
  await expect(editorGroup(page, 1).locator(".view-lines")).toHaveText("one");
  await editorGroup(page, 1).locator(".view-lines").click();
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("End");
  await page.keyboard.type(" more");
  await expect(tab(page, 1, "a.txt")).not.toContainText("modified");
  await runInTerminal(page, "cat a.txt");
  await expectTerminalToShow(page, /^one more$/m);

  // On focus change: nothing is written while typing goes on, then leaving the editor does.
  await call(page, "settings.update", { saveFilesToDisk: "onFocusChange" });
  await tree.getByRole("button", { name: "b.txt", exact: true }).click();
  await expect(editorGroup(page, 1).locator(".view-lines")).toHaveText("two");
  await editorGroup(page, 1).locator(".view-lines").click();
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("End");
  await page.keyboard.type(" too");
  await page.waitForTimeout(1000);
  await expect(tab(page, 1, "b.txt")).toContainText("modified");
  await terminal(page).locator(".terminal-view:not([hidden]) .xterm-screen").click();
  await expect(tab(page, 1, "b.txt")).not.toContainText("modified");
  await runInTerminal(page, "cat b.txt");
  await expectTerminalToShow(page, /^two too$/m);
});
