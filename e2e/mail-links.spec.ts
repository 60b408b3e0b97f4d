import { expect, test } from "@playwright/test";
import { smtpPort } from "../playwright.config";
import { type Mailbox, openMailbox } from "./mailbox";

const email = () => `mail-${Date.now()}-${process.pid}@example.com`;

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
