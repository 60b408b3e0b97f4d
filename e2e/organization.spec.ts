import { type Browser, type Page, test } from "@playwright/test";
import {
  expect,
  freshEmail,
  type OwnServer,
  ownServerWithMailbox,
  registerThroughUi,
  removeServer,
} from "./ide-support";
import type { Mailbox } from "./mailbox";
import { call, expectAccessible } from "./web-support";

let server: OwnServer;
let mailbox: Mailbox;
test.beforeEach(async () => {
  ({ server, mailbox } = await ownServerWithMailbox());
});
test.afterEach(async () => {
  await removeServer(server);
  await mailbox.close();
});
test.setTimeout(120_000);

async function person(browser: Browser, first: string): Promise<{ page: Page; email: string }> {
  const page = await (await browser.newContext()).newPage();
  const email = freshEmail().replace("ide-", `${first.toLowerCase()}-`);
  await registerThroughUi(page, server.url, email);
  if (first !== "Ada") {
    await page.goto(`${server.url}/account`);
    await page.getByLabel("First name").fill(first);
    await page.getByLabel("Last name").fill("Hopper");
    await page.getByRole("button", { name: "Save name" }).click();
    await expect(page.getByText("Your name is saved.")).toBeVisible();
  }
  return { page, email };
}

test("an Admin invites a Viewer who accepts, switches and opens only what was shared, read-only; the audit log shows it", async ({
  browser,
}) => {
  const ada = await person(browser, "Ada");
  const a = ada.page;

  // Ada makes an organization and is signed in to it.
  await a.getByRole("link", { name: "Organization", exact: true }).click();
  await a.getByLabel("Organization name").fill("Analytical Engines");
  await a.getByRole("button", { name: "Create organization" }).click();
  await expect(a.getByRole("heading", { name: "Analytical Engines", level: 1 })).toBeVisible();
  await expect(a.getByRole("combobox", { name: "Organization" })).toHaveText(/Analytical Engines/);
  await expect(a.getByText("1 of")).toBeVisible();

  // Grace registers in her own browser and confirms her email.
  const grace = await person(browser, "Grace");
  const g = grace.page;
  const verify = await mailbox.linkTo(grace.email, "verify-email");
  await g.goto(server.url + verify.pathname + verify.search);
  await expect(g.getByText("is confirmed")).toBeVisible();

  // Ada invites her as a Viewer; the invitation is pending.
  const invite = a.getByRole("form", { name: "Invite someone" });
  await invite.getByLabel("Email").fill(grace.email);
  await invite.getByLabel("Role").selectOption("Viewer");
  await invite.getByRole("button", { name: "Invite" }).click();
  const pending = a.getByRole("list", { name: "Pending invitations" });
  await expect(pending.getByRole("listitem", { name: grace.email.toLowerCase() })).toBeVisible();
  await expectAccessible(a);

  // Two workspaces in the organization; one is shared with Grace once she is in.
  await a.goto(server.url);
  for (const name of ["Engine notes", "Private plans"]) {
    const form = a.getByRole("form", { name: "New workspace" });
    await form.getByLabel("Name").fill(name);
    await form.getByRole("button", { name: "Create workspace" }).click();
    await expect(a.getByRole("link", { name, exact: true })).toBeVisible();
  }

  // Grace accepts on her dashboard and switches to the organization.
  await g.goto(server.url);
  const mine = g.getByRole("listitem", { name: "Invitation to Analytical Engines" });
  await expect(mine).toBeVisible();
  await expectAccessible(g);
  await mine.getByRole("button", { name: "Accept" }).click();
  await g.getByRole("button", { name: "Switch to Analytical Engines" }).click();
  await expect(g.getByRole("combobox", { name: "Organization" })).toHaveText(/Analytical Engines/);
  await expect(g.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();

  const members = (await call(a, "tenant.members", undefined, "query")) as {
    user: { id: string; email: string };
  }[];
  const graceId = members.find((m) => m.user.email === grace.email.toLowerCase())!.user.id;
  const notes = a.getByRole("link", { name: "Engine notes", exact: true });
  const notesId = ((await notes.getAttribute("href")) ?? "").split("/").pop();
  await call(a, "workspace.share", { id: notesId, userIds: [graceId] });

  // She sees only the shared one, and it opens read-only.
  await g.reload();
  const shared = g.getByRole("list", { name: "Shared with you" });
  await expect(shared.getByRole("link", { name: "Engine notes" })).toBeVisible();
  await expect(g.getByRole("link", { name: "Private plans" })).toHaveCount(0);
  await shared.getByRole("link", { name: "Engine notes" }).click();
  await expect(
    g.getByText(/This is Ada Lovelace's session, shared with you read-only/),
  ).toBeVisible();

  // The audit page lists the invitation and its acceptance, and filters.
  await a.getByRole("link", { name: "Audit", exact: true }).click();
  await expect(a.getByRole("heading", { name: "Audit log" })).toBeVisible();
  const rows = a.getByRole("row");
  await expect(rows.filter({ hasText: "tenant.invited" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "tenant.invitation_accepted" })).toHaveCount(1);
  await a.getByLabel("Action").selectOption("tenant.invitation_accepted");
  await expect(rows).toHaveCount(2); // the header and the one event
  await expect(rows.nth(1)).toContainText("Grace Hopper");
  await expectAccessible(a);

  // Grace, a Viewer, has no audit link and no member management.
  await g.goto(`${server.url}/organization`);
  await expect(g.getByRole("link", { name: "Audit", exact: true })).toHaveCount(0);
  await expect(g.getByRole("form", { name: "Invite someone" })).toHaveCount(0);
  await expectAccessible(g);
});

test("the last Admin cannot step down, and deleting an organization needs its name typed", async ({
  browser,
}) => {
  const { page: a } = await person(browser, "Ada");
  const org = (await call(a, "tenant.createOrganization", { name: "Difference" })) as {
    id: string;
  };
  await a.goto(`${server.url}/organization`);
  // The header's switcher: the whole app moves to that organization.
  await a.getByRole("combobox", { name: "Organization" }).selectOption(org.id);
  await expect(a.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
  await expect(a.getByRole("combobox", { name: "Organization" })).toHaveValue(org.id);
  await a.getByRole("link", { name: "Organization", exact: true }).click();
  await expect(a.getByRole("heading", { name: "Difference", level: 1 })).toBeVisible();

  // Revoking an invitation asks first.
  const invite = a.getByRole("form", { name: "Invite someone" });
  await invite.getByLabel("Email").fill("charles@example.com");
  await invite.getByRole("button", { name: "Invite" }).click();
  await a
    .getByRole("list", { name: "Pending invitations" })
    .getByRole("button", { name: "Revoke the invitation of charles@example.com" })
    .click();
  await a
    .getByRole("dialog", { name: "Revoke the invitation of charles@example.com?" })
    .getByRole("button", { name: "Revoke" })
    .click();
  await expect(a.getByText("No pending invitations.")).toBeVisible();

  await a.getByRole("combobox", { name: "Role of Ada Lovelace" }).selectOption("Viewer");
  await expect(a.getByRole("alert").filter({ hasText: "Admin" })).toHaveText(
    "A tenant needs at least one Admin.",
  );
  await expect(a.getByRole("combobox", { name: "Role of Ada Lovelace" })).toHaveValue("Admin");

  await a.getByRole("button", { name: "Delete organization…" }).click();
  const dialog = a.getByRole("dialog", { name: "Delete Difference?" });
  const confirm = dialog.getByRole("button", { name: "Delete organization" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel("Type Difference to confirm").fill("Differenc");
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel("Type Difference to confirm").fill("Difference");
  await confirm.click();
  await expect(a.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
  await expect(a.getByRole("combobox", { name: "Organization" })).not.toHaveText(/Difference/);
});
