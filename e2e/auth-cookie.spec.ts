import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, type Page, test } from "@playwright/test";

interface TrpcResult<T> {
  status: number;
  body: { result?: { data: T }; error?: { data?: { code?: string } } };
}

/** Calls a tRPC mutation from inside the page, as the web app will: same origin, cookies on. */
async function mutate<T>(page: Page, proc: string, input: unknown): Promise<TrpcResult<T>> {
  return page.evaluate(
    async ({ proc, input }) => {
      const res = await fetch(`/api/trpc/${proc}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input),
      });
      return { status: res.status, body: await res.json() };
    },
    { proc, input },
  );
}

async function refreshCookie(page: Page): Promise<string | undefined> {
  return (await page.context().cookies()).find((c) => c.name === "hearth_refresh")?.value;
}

let emailCounter = 0;
const freshEmail = () => `e2e-${Date.now()}-${process.pid}-${++emailCounter}@example.com`;

test("the browser keeps the refresh token out of reach of scripts and uses it to stay signed in", async ({
  page,
}) => {
  await page.goto("/api/health");
  await expect(page.locator("body")).toContainText('"ok":true');

  const email = freshEmail();
  const reg = await mutate<{ accessToken: string; user: { email: string } }>(
    page,
    "auth.register",
    { email, password: "correct horse battery", firstName: "Ada", lastName: "Lovelace" },
  );
  expect(reg.status).toBe(200);
  expect(reg.body.result?.data.user.email).toBe(email);

  // httpOnly: the page's scripts never see it, but the browser holds it.
  expect(await page.evaluate(() => document.cookie)).not.toContain("hearth_refresh");
  const refresh = (await page.context().cookies()).find((c) => c.name === "hearth_refresh");
  expect(refresh?.httpOnly).toBe(true);
  expect(refresh?.sameSite).toBe("Lax");

  // A refresh relies on the cookie alone and rotates it.
  const refreshed = await mutate<{ accessToken: string }>(page, "auth.refresh", {});
  expect(refreshed.status).toBe(200);
  expect(refreshed.body.result?.data.accessToken).toBeTruthy();
  expect(await refreshCookie(page)).not.toBe(refresh?.value);

  // The new access token works for an authenticated query.
  const me = await page.evaluate(async (token) => {
    const res = await fetch("/api/trpc/auth.me", { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  }, refreshed.body.result?.data.accessToken);
  expect(me.status).toBe(200);
  expect(me.body.result.data.user.email).toBe(email);
});

test("a page on another origin of the same site cannot ride on the refresh cookie", async ({
  page,
  baseURL,
}) => {
  // Sign in on Hearth's own origin first, so the browser holds a refresh cookie.
  await page.goto("/api/health");
  const reg = await mutate(page, "auth.register", {
    email: freshEmail(),
    password: "correct horse battery",
    firstName: "Eve",
    lastName: "Target",
  });
  expect(reg.status).toBe(200);

  // Another port on the same host is the same site: a Lax cookie still goes along.
  const evil = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>elsewhere</title>");
  });
  await new Promise<void>((r) => evil.listen(0, "127.0.0.1", r));
  const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
  try {
    await page.goto(evilUrl);
    const target = `${baseURL}/api/trpc/auth.refresh`;
    const before = await refreshCookie(page);

    // A "simple" cross-origin POST reaches the server without a preflight: it is refused.
    const responded = page.waitForResponse(target);
    await page.evaluate(async (url) => {
      await fetch(url, {
        method: "POST",
        mode: "no-cors",
        credentials: "include",
        headers: { "content-type": "text/plain" },
        body: "{}",
      }).catch(() => undefined);
    }, target);
    expect([403, 415]).toContain((await responded).status());

    // A JSON POST needs a CORS preflight, which Hearth does not grant: the browser stops it.
    const blocked = await page.evaluate(async (url) => {
      try {
        await fetch(url, {
          method: "POST",
          credentials: "include",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        return false;
      } catch {
        return true;
      }
    }, target);
    expect(blocked).toBe(true);

    // Nothing was rotated: the browser holds the same refresh cookie, and it still works.
    expect(await refreshCookie(page)).toBe(before);
    await page.goto("/api/health");
    const ok = await mutate(page, "auth.refresh", {});
    expect(ok.status).toBe(200);
  } finally {
    evil.close();
  }
});
