import { test } from "@playwright/test";
import {
  expect,
  freshEmail,
  type OwnServer,
  ownServer,
  PASSWORD,
  registerThroughUi,
  removeServer,
  signInThroughUi,
} from "./ide-support";
import { expectAccessible } from "./web-support";

let server: OwnServer;
test.beforeEach(async () => {
  server = await ownServer();
});
test.afterEach(async () => {
  await removeServer(server);
});
test.setTimeout(120_000);

test("a device revoked from another lands on the sign-in page with a sentence", async ({
  browser,
}) => {
  const email = freshEmail();
  const here = await (await browser.newContext()).newPage();
  await registerThroughUi(here, server.url, email);
  const there = await (await browser.newContext()).newPage();
  await signInThroughUi(there, server.url, email);

  await here.getByRole("link", { name: "Account", exact: true }).click();
  await expect(here.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
  const devices = here.getByRole("list").filter({ has: here.getByText("This device") });
  await expect(devices.getByRole("listitem")).toHaveCount(2);
  await expectAccessible(here);
  const other = devices.getByRole("listitem").filter({ hasNotText: "This device" });
  await other.getByRole("button", { name: "Revoke" }).click();
  await here
    .getByRole("dialog", { name: "Sign this device out?" })
    .getByRole("button", {
      name: "Revoke",
    })
    .click();
  await expect(devices.getByRole("listitem")).toHaveCount(1);

  // The other device's next request is refused: it lands on sign-in, told why.
  await there.getByRole("form", { name: "New workspace" }).getByLabel("Name").fill("late");
  await there.getByRole("button", { name: "Create workspace" }).click();
  await expect(there).toHaveURL(/\/sign-in\?reason=revoked/);
  await expect(there.getByText("Your sign-in was ended")).toBeVisible();
  // This one goes on.
  await here.reload();
  await expect(here.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
});

test("name and password change; the others are signed out, as the page says", async ({
  browser,
}) => {
  const email = freshEmail();
  const here = await (await browser.newContext()).newPage();
  await registerThroughUi(here, server.url, email);
  const there = await (await browser.newContext()).newPage();
  await signInThroughUi(there, server.url, email);

  await here.goto(`${server.url}/account`);
  await here.getByLabel("First name").fill("Augusta");
  await here.getByRole("button", { name: "Save name" }).click();
  await expect(here.getByText("Your name is saved.")).toBeVisible();
  await expect(here.getByRole("banner")).toContainText("Augusta Lovelace");

  // A wrong current password gets the server's sentence.
  await here.getByLabel("Current password").fill("not my password");
  await here.getByLabel("New password").fill("a brand new password");
  await here.getByRole("button", { name: "Change password" }).click();
  await expect(here.getByRole("form", { name: "Password" }).getByRole("alert")).toHaveText(
    "That is not your current password.",
  );

  await here.getByLabel("Current password").fill(PASSWORD);
  await here.getByLabel("New password").fill("a brand new password");
  await here.getByRole("button", { name: "Change password" }).click();
  await expect(here.getByText("Every other sign-in has ended")).toBeVisible();

  await there.reload();
  await expect(there).toHaveURL(/\/sign-in/);
  await expectAccessible(here);
});
