import type { AppRouter } from "@hearth/api";
import { createTRPCClient, httpLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../server/testing";
import { AuthSession, type SessionState } from "./session";
import { browserFetch } from "./test-browser";

function waitFor(session: AuthSession, done: (s: SessionState) => boolean): Promise<SessionState> {
  return new Promise((resolve) => {
    if (done(session.current)) return resolve(session.current);
    const stop = session.subscribe((s) => {
      if (done(s)) {
        stop();
        resolve(s);
      }
    });
  });
}

describe("AuthSession against the real server", () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.stop());

  async function signedInTab() {
    const tabFetch = browserFetch(ts.url);
    const session = new AuthSession({ trpcUrl: ts.trpcUrl, fetch: tabFetch });
    const client = createTRPCClient<AppRouter>({
      links: [httpLink({ url: ts.trpcUrl, fetch: tabFetch })],
    });
    const answer = await client.auth.register.mutate({
      email: `session-${Date.now()}-${Math.random().toString(36).slice(2)}@hearth.test`,
      password: "correct horse battery",
      firstName: "Ada",
      lastName: "Lovelace",
    });
    return { session, answer, tabFetch };
  }

  it("restores a sign-in from the refresh cookie alone, and says signed out without one", async () => {
    const { tabFetch } = await signedInTab();
    const reloaded = new AuthSession({ trpcUrl: ts.trpcUrl, fetch: tabFetch });
    expect((await reloaded.restore()).status).toBe("signed-in");
    expect(await reloaded.accessToken()).toMatch(/^ey/);
    reloaded.dispose();

    const stranger = new AuthSession({ trpcUrl: ts.trpcUrl, fetch: browserFetch(ts.url) });
    expect(await stranger.restore()).toEqual({ status: "signed-out", reason: null });
    expect(await stranger.accessToken()).toBeNull();
  });

  it("a page-load renewal refused after a registration answered does not sign the new person out", async () => {
    // The page's first renewal (no cookie yet) is slow to come back; meanwhile the person
    // registers in the same tab.
    const tabFetch = browserFetch(ts.url);
    let releaseRefresh!: () => void;
    const refreshHeld = new Promise<void>((resolve) => {
      releaseRefresh = resolve;
    });
    const slowRefresh: typeof fetch = async (input, init) => {
      const res = await tabFetch(input, init);
      if (String(input).includes("auth.refresh")) await refreshHeld;
      return res;
    };
    const session = new AuthSession({ trpcUrl: ts.trpcUrl, fetch: slowRefresh });
    const restoring = session.restore();
    const client = createTRPCClient<AppRouter>({
      links: [httpLink({ url: ts.trpcUrl, fetch: tabFetch })],
    });
    const answer = await client.auth.register.mutate({
      email: `late-${Date.now()}@hearth.test`,
      password: "correct horse battery",
      firstName: "Ada",
      lastName: "Lovelace",
    });
    session.signedIn(answer);
    releaseRefresh();
    expect((await restoring).status).toBe("signed-in");
    expect(await session.accessToken()).toBe(answer.accessToken);
    session.dispose();
  });

  it("renews the access token before it expires, without being asked", async () => {
    const { session, answer } = await signedInTab();
    // Pretend the token lives 3 s: the renewal is due at four fifths of that.
    session.signedIn({
      accessToken: answer.accessToken,
      accessTokenExpiresAt: new Date(Date.now() + 3_000).toISOString(),
    });
    const renewed = await waitFor(
      session,
      (s) => s.status === "signed-in" && s.accessToken !== answer.accessToken,
    );
    expect(renewed.status === "signed-in" && renewed.expiresAt).toBeGreaterThan(
      Date.now() + 60_000,
    );
    session.dispose();
  });

  it("ends with reason 'revoked' when the renewal is refused because the sign-in ended", async () => {
    const { session, answer, tabFetch } = await signedInTab();
    session.signedIn(answer);
    const client = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: ts.trpcUrl,
          fetch: tabFetch,
          headers: { authorization: `Bearer ${answer.accessToken}` },
        }),
      ],
    });
    await client.auth.logoutAll.mutate({});
    expect(await session.renew()).toBeNull();
    expect(session.current).toEqual({ status: "signed-out", reason: "revoked" });
    session.dispose();
  });

  it("waits for the server on page load instead of saying signed out", async () => {
    const { tabFetch } = await signedInTab();
    let offline = true;
    const flaky: typeof fetch = (input, init) =>
      offline ? Promise.reject(new TypeError("fetch failed")) : tabFetch(input, init);
    const reloaded = new AuthSession({ trpcUrl: ts.trpcUrl, fetch: flaky });
    expect(await reloaded.restore()).toEqual({ status: "unknown" });
    offline = false;
    // Tried again on its own a few seconds later.
    expect((await waitFor(reloaded, (s) => s.status !== "unknown")).status).toBe("signed-in");
    reloaded.dispose();
  }, 15_000);

  it("keeps the sign-in when the server cannot be reached, and renews once it can", async () => {
    const { session, answer, tabFetch } = await signedInTab();
    session.signedIn(answer);
    let offline = true;
    const flaky: typeof fetch = (input, init) =>
      offline ? Promise.reject(new TypeError("fetch failed")) : tabFetch(input, init);
    const tab = new AuthSession({ trpcUrl: ts.trpcUrl, fetch: flaky });
    tab.signedIn(answer);
    expect(await tab.renew()).toBe(answer.accessToken);
    expect(tab.current.status).toBe("signed-in");
    offline = false;
    const token = await tab.renew();
    expect(token).not.toBe(answer.accessToken);
    expect(token).toMatch(/^ey/);
    tab.dispose();
    session.dispose();
  });
});
