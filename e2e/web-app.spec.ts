import { expect, type Page, test } from "@playwright/test";
import { call, expectAccessible } from "./web-support";

let counter = 0;
const freshEmail = () => `web-${Date.now()}-${process.pid}-${++counter}@example.com`;
const PASSWORD = "correct horse battery";

/** Registers through the form, as a person does, and waits for the dashboard. */
async function registerThroughUi(page: Page, email: string): Promise<void> {
  await page.goto("/");
  // Signed out: the dashboard sends people to sign in, which links to registration.
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Lovelace");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
  await expect(page.getByRole("banner").getByText("Ada Lovelace", { exact: true })).toBeVisible();
}

async function createWorkspace(page: Page, name: string, tags = ""): Promise<void> {
  const form = page.getByRole("form", { name: "New workspace" });
  await form.getByLabel("Name").fill(name);
  await form.getByRole("textbox", { name: "Tags" }).fill(tags);
  await form.getByRole("button", { name: "Create workspace" }).click();
  await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
}

const idOf = async (page: Page, name: string) =>
  ((await page.getByRole("link", { name, exact: true }).first().getAttribute("href")) ?? "")
    .split("/")
    .pop()!;

const row = (page: Page, name: string) => page.getByRole("listitem", { name, exact: true }).first();

test("register, sign out and sign in again; a wrong password gets the server's sentence", async ({
  page,
}) => {
  const email = freshEmail();
  await registerThroughUi(page, email);

  // The access token lives in memory only: a reload signs in again from the httpOnly cookie.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByText("You signed out.")).toBeVisible();
  // Signed out for real: the dashboard is out of reach.
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText(
    "credentials are not valid",
  );

  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
});

test("the signed-out pages pass axe-core", async ({ page }) => {
  for (const [path, heading] of [
    ["/sign-in", "Sign in to Hearth"],
    ["/register", "Create your Hearth account"],
    ["/forgot-password", "Reset your password"],
    ["/reset-password?token=unknown", "Choose a new password"],
    ["/verify-email?token=unknown", "Confirm your email"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: heading })).toBeVisible();
    await expectAccessible(page);
  }
});

test("create, rename, re-tag, filter by tag, fork and delete workspaces from the dashboard", async ({
  page,
}) => {
  await registerThroughUi(page, freshEmail());
  await expect(page.getByText("No workspaces yet")).toBeVisible();

  await createWorkspace(page, "Hearth API", "api, backend");
  await createWorkspace(page, "Docs site", "docs");
  await expectAccessible(page);
  // Most recently active first.
  const names = page.getByRole("list", { name: "Your workspaces" }).getByRole("link");
  await expect(names).toHaveText(["Docs site", "Hearth API"]);
  await expect(page.getByRole("link", { name: "Docs site" })).toHaveAttribute(
    "href",
    /^\/w\/[\w-]+$/,
  );

  // A refusal shows the server's sentence: the folder must stay under the caller's root.
  const form = page.getByRole("form", { name: "New workspace" });
  await form.getByLabel("Name").fill("Escape");
  await form.getByLabel("Folder").fill("../outside");
  await form.getByRole("button", { name: "Create workspace" }).click();
  await expect(form.getByRole("alert")).toBeVisible();
  await expect(page.getByRole("link", { name: "Escape" })).toHaveCount(0);

  // Rename.
  await page.getByRole("button", { name: "Rename Hearth API" }).click();
  await page.getByLabel("New name").fill("Hearth server");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("link", { name: "Hearth server", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Hearth API", exact: true })).toHaveCount(0);

  // Re-tag, then filter by the new tag.
  await page.getByRole("button", { name: "Edit tags of Docs site" }).click();
  await row(page, "Docs site").getByRole("textbox", { name: "Tags" }).fill("docs, web");
  await page.getByRole("button", { name: "Save tags" }).click();
  await row(page, "Docs site").getByRole("button", { name: "web", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Workspaces tagged “web”" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Docs site", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Hearth server", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "Show all workspaces" }).click();
  await expect(page.getByRole("link", { name: "Hearth server", exact: true })).toBeVisible();
  // The same filter from the list's own control.
  await page.getByLabel("Filter by tag").selectOption("backend");
  await expect(page.getByRole("link", { name: "Hearth server", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Docs site", exact: true })).toHaveCount(0);
  await page.getByLabel("Filter by tag").selectOption("");
  await expect(page.getByRole("link", { name: "Docs site", exact: true })).toBeVisible();

  // A file opened in the IDE shows among the recently opened files.
  const docsId = await idOf(page, "Docs site");
  await call(page, "fs.write", { workspaceId: docsId, path: "README.md", content: "# Docs\n" });
  await call(page, "fs.opened", { workspaceId: docsId, path: "README.md" });
  await page.reload();
  const recent = page.getByRole("list", { name: "Recently opened files" });
  await expect(recent.getByRole("link", { name: "README.md" })).toHaveAttribute(
    "href",
    `/w/${docsId}?open=README.md`,
  );
  await expect(recent).toContainText("Docs site");

  // Fork without a copy of the files: the same folder.
  await page.getByRole("button", { name: "Fork Docs site" }).click();
  await page.getByLabel("Name of the fork").fill("Docs redesign");
  await page.getByRole("button", { name: "Create fork" }).click();
  await expect(page.getByRole("link", { name: "Docs redesign", exact: true })).toBeVisible();
  await expect(row(page, "Docs redesign")).toContainText("docs-site");
  await expect(row(page, "Docs redesign")).toContainText("fork of Docs site");

  // With a copy: a folder of its own, holding the file.
  await page.getByRole("button", { name: "Fork Docs site", exact: true }).click();
  await page.getByLabel("Name of the fork").fill("Docs archive");
  await page.getByLabel("Copy the files into a folder of its own").check();
  await page.getByRole("button", { name: "Create fork" }).click();
  await expect(page.getByRole("link", { name: "Docs archive", exact: true })).toBeVisible();
  await expect(row(page, "Docs archive")).toContainText(/docs-site-fork-\w+/);
  const copied = (await call(
    page,
    "fs.read",
    { workspaceId: await idOf(page, "Docs archive"), path: "README.md" },
    "query",
  )) as { content: string };
  expect(copied.content).toBe("# Docs\n");
  await page.getByRole("button", { name: "Forks of Docs site", exact: true }).click();
  await expect(
    row(page, "Docs site").getByRole("list", { name: "Forks" }).getByRole("link"),
  ).toHaveText(["Docs redesign", "Docs archive"]);

  // Delete asks first; Cancel keeps it, confirming removes it.
  await page.getByRole("button", { name: "Delete Hearth server" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete “Hearth server”?" });
  await expect(dialog).toBeVisible();
  await expectAccessible(page);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("link", { name: "Hearth server", exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Delete Hearth server" }).click();
  await dialog.getByRole("button", { name: "Delete workspace" }).click();
  await expect(page.getByRole("link", { name: "Hearth server", exact: true })).toHaveCount(0);

  // It all came from the server: a reload shows the same list.
  await page.reload();
  await expect(names).toHaveText(["Docs archive", "Docs redesign", "Docs site"]);
});

test("a sign-in ended from another device lands on the sign-in page with a sentence", async ({
  page,
  browser,
}) => {
  const email = freshEmail();
  await registerThroughUi(page, email);

  // Another device signs in and signs out everywhere.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto("/sign-in");
  await otherPage.getByLabel("Email").fill(email);
  await otherPage.getByLabel("Password").fill(PASSWORD);
  await otherPage.getByRole("button", { name: "Sign in" }).click();
  await expect(otherPage.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
  const ended = await otherPage.evaluate(async () => {
    const refresh = await fetch("/api/trpc/auth.refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const answer = (await refresh.json()) as { result?: { data: { accessToken: string } } };
    if (!answer.result) return JSON.stringify(answer);
    const { result } = answer;
    const res = await fetch("/api/trpc/auth.logoutAll", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${result.data.accessToken}`,
      },
      body: "{}",
    });
    return res.status;
  });
  expect(ended).toBe(200);
  await other.close();

  // The first device's next call is refused, its renewal too: it is sent to sign in, told why.
  const form = page.getByRole("form", { name: "New workspace" });
  await form.getByLabel("Name").fill("After the end");
  await form.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(/\/sign-in\?reason=revoked/);
  await expect(page.getByText("Your sign-in was ended")).toBeVisible();
});
