import { test } from "@playwright/test";
import {
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
  tab,
  terminal,
} from "./ide-support";

let server: OwnServer;
test.beforeEach(async () => {
  server = await ownServer();
});
test.afterEach(async () => {
  await removeServer(server);
});
test.setTimeout(120_000);
test.use({ actionTimeout: 15_000 });

test("files: create, save with Ctrl+S, a change on disk offers a choice, quick open, close, rename, delete", async ({
  page,
}) => {
  await registerThroughUi(page, server.url, freshEmail());
  await openNewWorkspace(page, "Editing");
  await expectTerminalToShow(page, /\$$/);
  const tree = page.getByTestId("file-tree");

  // A new file from the tree, typed into and saved: no longer modified, on disk.
  await page.getByRole("button", { name: "New file" }).click();
  await page.getByLabel("New file in the workspace").fill("hello.py");
  await page.getByLabel("New file in the workspace").press("Enter");
  await expect(tab(page, 1, "hello.py")).toBeVisible();
  await expect(page.getByText("Python", { exact: true })).toBeVisible();
  await editorGroup(page, 1).locator(".view-lines").click();
  await page.keyboard.type("print('saved')");
  await expect(tab(page, 1, "hello.py")).toContainText("modified");
  await page.keyboard.press("Control+S");
  await expect(tab(page, 1, "hello.py")).not.toContainText("modified");
  await runInTerminal(page, "cat hello.py; echo");
  await expectTerminalToShow(page, /^print\('saved'\)$/m);

  // Changed on disk meanwhile: Ctrl+S asks; reloading from disk keeps this tab's text.
  await runInTerminal(page, "echo \"print('from disk')\" > hello.py");
  await expectTerminalToShow(page, /> hello\.py\n.*\$$/);
  await editorGroup(page, 1).locator(".view-lines").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" # mine");
  await page.keyboard.press("Control+S");
  const dialog = page.getByRole("dialog", { name: "hello.py changed on disk" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Compare" }).click();
  await expect(
    dialog.getByRole("region", { name: "On disk (left) and yours (right)" }),
  ).toBeVisible();
  await dialog.getByRole("button", { name: "Reload from disk" }).click();
  await expect(dialog).toBeHidden();
  await expect.poll(() => editorText(page, 1)).toContain("print('from disk')");
  await expect(
    page.getByRole("alert").filter({ hasText: "Your text of hello.py is kept in" }),
  ).toBeVisible();
  await expect(tab(page, 1, "hello.py.conflict-")).toContainText("modified");

  // Quick open (Ctrl+P) finds a file made in the terminal.
  await runInTerminal(page, "mkdir -p lib && echo 'x = 1' > lib/deep.py");
  await editorGroup(page, 1).locator(".view-lines").click();
  const before = await editorText(page, 1);
  // Typed right after Ctrl+P, as people do: every key lands in quick open, none in the file.
  await page.keyboard.press("Control+P");
  await page.keyboard.type("deep");
  const quick = page.getByRole("dialog", { name: "Quick open" });
  await expect(quick.getByRole("searchbox", { name: "File name" })).toHaveValue("deep");
  expect(await editorText(page, 1)).toBe(before);
  await quick.getByRole("button", { name: "lib/deep.py" }).click();
  await expect(tab(page, 1, "deep.py")).toHaveAttribute("aria-selected", "true");
  await expect.poll(() => editorText(page, 1)).toContain("x = 1");

  // Ctrl+W closes the shown tab.
  await editorGroup(page, 1).locator(".view-lines").click();
  await page.keyboard.press("Control+W");
  await expect(tab(page, 1, "deep.py")).toHaveCount(0);

  // Ctrl+` hides and shows the terminal.
  await page.keyboard.press("Control+Backquote");
  await expect(terminal(page)).toBeHidden();
  await page.keyboard.press("Control+Backquote");
  await expect(terminal(page)).toBeVisible();

  // Rename and delete from the tree; the tab follows the rename.
  await tree.getByRole("button", { name: "hello.py", exact: true }).click();
  await page.getByRole("button", { name: "Rename" }).click();
  await page.getByLabel("New path").fill("lib/renamed.py");
  await page.getByLabel("New path").press("Enter");
  await tree.getByRole("button", { name: "lib" }).click();
  await expect(tree.getByRole("button", { name: "renamed.py" })).toBeVisible();
  await expect(tab(page, 1, "renamed.py")).toBeVisible();
  await tree.getByRole("button", { name: "renamed.py" }).click();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete" }).click();
  await expect(tree.getByRole("button", { name: "renamed.py" })).toHaveCount(0);
  await expect(tab(page, 1, "renamed.py")).toHaveCount(0);
  await expectSaved(page);
});

test("a binary file and one too large to edit show why, and no key typed changes them", async ({
  page,
}) => {
  await registerThroughUi(page, server.url, freshEmail());
  await openNewWorkspace(page, "unreadable files");
  await runInTerminal(
    page,
    "head -c 64 /dev/urandom > blob.bin; head -c 6000000 /dev/zero | tr '\\0' a > big.txt; md5sum blob.bin big.txt > sums; echo made",
  );
  await expectTerminalToShow(page, /^made$/m);
  const tree = page.getByTestId("file-tree");
  const why = editorGroup(page, 1).getByRole("status");

  await tree.getByRole("button", { name: "blob.bin", exact: true }).click();
  await expect(why).toHaveText(
    "blob.bin is a binary file, which the editor does not open. Use the terminal to work with it.",
  );
  await editorGroup(page, 1).locator(".editor-body").click();
  await page.keyboard.type("typed over");
  await page.keyboard.press("Control+S");
  await expect(tab(page, 1, "blob.bin")).not.toContainText("modified");

  await tree.getByRole("button", { name: "big.txt", exact: true }).click();
  await expect(why).toHaveText(
    "big.txt is 5.7 MiB, more than the editor opens. Use the terminal to work with it.",
  );
  await editorGroup(page, 1).locator(".editor-body").click();
  await page.keyboard.type("typed over");
  await page.keyboard.press("Control+S");
  await expect(tab(page, 1, "big.txt")).not.toContainText("modified");

  // The same after a reload; on disk both are as they were.
  await page.reload();
  await expect(why).toContainText("big.txt is 5.7 MiB");
  await runInTerminal(page, "md5sum -c sums");
  await expectTerminalToShow(page, /^blob\.bin: OK\nbig\.txt: OK$/m);

  // Delete on a focused tab closes it, as the pointer's × does.
  await tab(page, 1, "big.txt").focus();
  await page.keyboard.press("Delete");
  await expect(tab(page, 1, "big.txt")).toHaveCount(0);
  await expect(tab(page, 1, "blob.bin")).toHaveAttribute("aria-selected", "true");
  await expectSaved(page);
});

test("keys typed while a file is still loading never land in the file shown before", async ({
  page,
}) => {
  await registerThroughUi(page, server.url, freshEmail());
  await openNewWorkspace(page, "slow read");
  await runInTerminal(page, "echo one > a.txt; echo two > b.txt; echo made");
  await expectTerminalToShow(page, /^made$/m);
  await page.getByTestId("file-tree").getByRole("button", { name: "a.txt", exact: true }).click();
  await expect(editorGroup(page, 1).locator(".view-lines")).toHaveText("one");
  await editorGroup(page, 1).locator(".view-lines").click();

  // A slow disk or network: b.txt takes a second and a half to read.
  await page.route(/fs\.read/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await page.keyboard.press("Control+P");
  await page.keyboard.type("b.txt");
  await page
    .getByRole("dialog", { name: "Quick open" })
    .getByRole("button", { name: "b.txt" })
    .click();
  await page.keyboard.type("typed early");
  // The wait is said, and over once the text is there.
  const opening = editorGroup(page, 1).getByRole("status");
  await expect(opening).toHaveText("Opening b.txt…");
  await expect(editorGroup(page, 1).locator(".view-lines")).toHaveText("two");
  await expect(opening).toHaveCount(0);
  await expect(tab(page, 1, "a.txt")).not.toContainText("modified");
  await tab(page, 1, "a.txt").click();
  await expect(editorGroup(page, 1).locator(".view-lines")).toHaveText("one");
});
