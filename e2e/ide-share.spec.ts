import { type Page, test } from "@playwright/test";
import {
  editorGroup,
  editorText,
  expect,
  expectTerminalToShow,
  freshEmail,
  type OwnServer,
  ownServerWithMailbox,
  PASSWORD,
  removeServer,
  runInTerminal,
  terminalText,
} from "./ide-support";
import type { Mailbox } from "./mailbox";

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
test.use({ actionTimeout: 15_000 });

/** Calls the API from inside the page (same origin, its cookies), as the app does. */
async function call<T>(page: Page, proc: string, input: unknown, token?: string): Promise<T> {
  const answer = await page.evaluate(
    async ({ proc, input, token }) => {
      const res = await fetch(`/api/trpc/${proc}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(input),
      });
      return { ok: res.ok, body: await res.json() };
    },
    { proc, input, token },
  );
  if (!answer.ok) throw new Error(`${proc}: ${JSON.stringify(answer.body)}`);
  return answer.body.result.data as T;
}

async function query<T>(page: Page, proc: string, token: string): Promise<T> {
  const answer = await page.evaluate(
    async ({ proc, token }) => {
      const res = await fetch(`/api/trpc/${proc}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { ok: res.ok, body: await res.json() };
    },
    { proc, token },
  );
  if (!answer.ok) throw new Error(`${proc}: ${JSON.stringify(answer.body)}`);
  return answer.body.result.data as T;
}

/** A person with an account, signed in to `page`'s browser; answers their access token. */
async function person(page: Page, firstName: string, email = freshEmail()) {
  await page.goto(`${server.url}/api/health`);
  const reg = await call<{ accessToken: string; user: { id: string } }>(page, "auth.register", {
    email,
    password: PASSWORD,
    firstName,
    lastName: "Example",
  });
  // Confirmed through the link mailed to them.
  const link = await mailbox.linkTo(email, "verify-email");
  await call(page, "auth.verifyEmail", { token: link.searchParams.get("token") }, reg.accessToken);
  return { token: reg.accessToken, userId: reg.user.id, email };
}

/** Accepts the pending invitation into `tenantId` and makes the browser sign in there. */
async function joinAndSwitch(page: Page, token: string, tenantId: string): Promise<void> {
  const invitations = await query<{ id: string }[]>(page, "auth.invitations", token);
  await call(page, "auth.acceptInvitation", { id: invitations[0]!.id }, token);
  await call(page, "tenant.switch", { tenantId }, token);
}

test("a member a session is shared with watches it read-only; another member cannot open it", async ({
  browser,
}) => {
  const [ada, bob, carol] = await Promise.all([1, 2, 3].map(() => browser.newContext()));
  const [adaPage, bobPage, carolPage] = await Promise.all(
    [ada!, bob!, carol!].map((c) => c.newPage()),
  );

  // Ada runs an organisation with Bob and Carol in it.
  const a = await person(adaPage!, "Ada");
  const org = await call<{ id: string }>(
    adaPage!,
    "tenant.createOrganization",
    { name: "Team" },
    a.token,
  );
  const switched = await call<{ accessToken: string }>(
    adaPage!,
    "tenant.switch",
    { tenantId: org.id },
    a.token,
  );
  const b = await person(bobPage!, "Bob");
  const c = await person(carolPage!, "Carol");
  for (const email of [b.email, c.email]) {
    await call(adaPage!, "tenant.invite", { email, role: "Developer" }, switched.accessToken);
  }
  await joinAndSwitch(bobPage!, b.token, org.id);
  await joinAndSwitch(carolPage!, c.token, org.id);
  const ws = await call<{ id: string }>(
    adaPage!,
    "workspace.create",
    { name: "Ada's work", path: "work" },
    switched.accessToken,
  );
  const url = `${server.url}/w/${ws.id}`;

  // Ada works in it and shares it with Bob from the share dialog.
  await adaPage!.goto(url);
  await expectTerminalToShow(adaPage!, /\$$/);
  await runInTerminal(adaPage!, "printf 'shared text\\n' > shared.txt && echo ada-was-here");
  await expectTerminalToShow(adaPage!, /^ada-was-here$/m);
  await adaPage!.getByRole("button", { name: "Share" }).click();
  const dialog = adaPage!.getByRole("dialog", { name: "Share this session" });
  await dialog.getByRole("checkbox", { name: /^Bob Example/ }).check();
  await dialog.getByRole("button", { name: "Share", exact: true }).click();
  await expect(dialog.getByText("Shared read-only.")).toBeVisible();
  await dialog.getByRole("button", { name: "Close" }).click();

  // Bob sees it, read-only, with a sentence saying whose it is.
  await bobPage!.goto(url);
  await expect(
    bobPage!.getByText(/This is Ada Example's session, shared with you read-only/),
  ).toBeVisible();
  await bobPage!.getByTestId("file-tree").getByRole("button", { name: "shared.txt" }).click();
  await expect.poll(() => editorText(bobPage!, 1)).toContain("shared text");
  await editorGroup(bobPage!, 1).locator(".view-lines").click();
  await bobPage!.keyboard.type("bob typed this");
  await expect.poll(() => editorText(bobPage!, 1)).not.toContain("bob typed this");
  await expect(bobPage!.getByRole("button", { name: "New file" })).toHaveCount(0);
  // He watches Ada's terminal but cannot type into it.
  await expectTerminalToShow(bobPage!, /ada-was-here/);
  await runInTerminal(bobPage!, "echo bob-was-here");
  await runInTerminal(adaPage!, "echo ada-again");
  await expectTerminalToShow(bobPage!, /^ada-again$/m);
  expect(await terminalText(bobPage!)).not.toContain("bob-was-here");
  expect(await terminalText(adaPage!)).not.toContain("bob-was-here");

  // Carol, in the same organisation but not shared with, cannot open it at all.
  await carolPage!.goto(url);
  await expect(carolPage!.getByRole("main").getByRole("alert")).toContainText(/not found/i);
  await expect(carolPage!.getByTestId("editor")).toHaveCount(0);

  await Promise.all([ada!, bob!, carol!].map((ctx) => ctx.close()));
});
