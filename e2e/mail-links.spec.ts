import { expect, test } from "@playwright/test";
import { smtpPort } from "../playwright.config";
import { type Mailbox, openMailbox } from "./mailbox";
import { call } from "./web-support";

const email = () => `mail-${Date.now()}-${process.pid}@example.com`;

// One mailbox on one port: this file's tests run one after the other in one worker.
test.describe.configure({ mode: "default" });

let mailbox: Mailbox;
test.beforeAll(async () => {
  mailbox = await openMailbox(smtpPort);
});
test.afterAll(() => mailbox?.close());

test("the mailed links confirm the email and reset a forgotten password", async ({ page }) => {
  const address = email();
  await page.goto("/register");
  await page.getByLabel("First name").fill("Grace");
  await page.getByLabel("Last name").fill("Hopper");
  await page.getByLabel("Email").fill(address);
  await page.getByLabel("Password").fill("first password here");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText(`Confirm your email: we sent a link to ${address}.`)).toBeVisible();

  // The confirmation link, opened as it arrived.
  const verify = await mailbox.linkTo(address, "verify-email");
  await page.goto(verify.pathname + verify.search);
  await expect(page.getByText(`Your email ${address} is confirmed.`)).toBeVisible();
  await page.getByRole("link", { name: "Go to your workspaces" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
  await expect(page.getByText("Confirm your email")).toHaveCount(0);
  // A link works once.
  await page.goto(verify.pathname + verify.search);
  await expect(page.getByRole("main").getByRole("alert")).toBeVisible();

  // Forgotten password: ask for a link from the sign-in page.
  await page.goto("/");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  // The sign-in page has an Email field too: type only once the reset page is there.
  await expect(page.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await page.getByLabel("Email").fill(address);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText(`If an account uses ${address}`)).toBeVisible();

  const reset = await mailbox.linkTo(address, "reset-password");
  await page.goto(reset.pathname + reset.search);
  await page.getByLabel("New password", { exact: true }).fill("second password here");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("Your password is changed")).toBeVisible();
  await page.getByRole("link", { name: "Sign in", exact: true }).click();

  await page.getByLabel("Email").fill(address);
  await page.getByLabel("Password").fill("first password here");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("not valid");
  await page.getByLabel("Password").fill("second password here");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
});

test("a session shared with a member shows under “Shared with you”, with whose it is", async ({
  page,
  browser,
}) => {
  // Ada registers and makes an organization.
  const ada = email();
  await page.goto("/register");
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Lovelace");
  await page.getByLabel("Email").fill(ada);
  await page.getByLabel("Password").fill("ada's password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
  const org = (await call(page, "tenant.createOrganization", { name: "Analytical" })) as {
    id: string;
  };
  await call(page, "tenant.switch", { tenantId: org.id });

  // Grace registers in her own browser and confirms her email (invitations need it).
  const grace = email().replace("mail-", "grace-");
  const other = await browser.newContext();
  const gracePage = await other.newPage();
  await gracePage.goto("/register");
  await gracePage.getByLabel("First name").fill("Grace");
  await gracePage.getByLabel("Last name").fill("Hopper");
  await gracePage.getByLabel("Email").fill(grace);
  await gracePage.getByLabel("Password").fill("grace's password");
  await gracePage.getByRole("button", { name: "Create account" }).click();
  await expect(gracePage.getByRole("heading", { name: "Workspaces", exact: true })).toBeVisible();
  const verify = await mailbox.linkTo(grace, "verify-email");
  await gracePage.goto(verify.pathname + verify.search);
  await expect(gracePage.getByText("is confirmed")).toBeVisible();

  // Ada invites her; she accepts and switches to the organization.
  await call(page, "tenant.invite", { email: grace, role: "Developer" });
  const invitations = (await call(gracePage, "auth.invitations", undefined, "query")) as {
    id: string;
  }[];
  await call(gracePage, "auth.acceptInvitation", { id: invitations[0]!.id });
  await call(gracePage, "tenant.switch", { tenantId: org.id });

  // Ada's dashboard is the organization's now: she creates a workspace there and shares it.
  await page.reload();
  await expect(page.getByRole("combobox", { name: "Organization" })).toHaveValue(org.id);
  const form = page.getByRole("form", { name: "New workspace" });
  await form.getByLabel("Name").fill("Engine notes");
  await form.getByRole("button", { name: "Create workspace" }).click();
  const link = page.getByRole("link", { name: "Engine notes", exact: true });
  await expect(link).toBeVisible();
  const id = ((await link.getAttribute("href")) ?? "").split("/").pop();
  const members = (await call(page, "tenant.members", undefined, "query")) as {
    user: { id: string; email: string };
  }[];
  const graceId = members.find((m) => m.user.email === grace)?.user.id;
  await call(page, "workspace.share", { id, userIds: [graceId] });

  // Grace finds it under “Shared with you”, not among her own.
  await gracePage.goto("/");
  const shared = gracePage.getByRole("list", { name: "Shared with you" });
  await expect(shared.getByRole("link", { name: "Engine notes" })).toHaveAttribute(
    "href",
    `/w/${id}`,
  );
  await expect(shared).toContainText("Ada Lovelace’s · read-only");
  await expect(gracePage.getByText("No workspaces yet")).toBeVisible();
  await other.close();
});
