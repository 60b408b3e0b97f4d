/**
 * How sign-in travels, over real HTTP and a real WebSocket against started servers with
 * real SQLite files: cookie procedures refused over the WebSocket, `Secure` and
 * `Cache-Control: no-store` on what carries tokens, and mail (with its live links) kept out
 * of the log of a server that is not the developer's own.
 */

import type { AppRouter } from "@hearth/api";
import { createTRPCClient, createWSClient, TRPCClientError, wsLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { browser, clientFor, register, startApiServer, testClock } from "./api-test-helpers";
import { hearthApi } from "./hearth-api";
import { createLogger } from "./logger";
import { startTestServer, type TestServer } from "./testing";

const PASSWORD = "a good long password";
let n = 0;

function newUser() {
  n++;
  return { email: `t${n}@hearth.test`, password: PASSWORD, firstName: "T", lastName: "U" };
}

function post(ts: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${ts.trpcUrl}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: ts.url, ...headers },
    body: JSON.stringify(body),
  });
}

describe("procedures that set or clear the cookie, over the WebSocket", () => {
  const clock = testClock();
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startApiServer({ clock: clock.now });
  });
  afterAll(async () => {
    await ts?.stop();
  });

  /** A tRPC client over the WebSocket whose handshake carries the browser's cookie. */
  function overWebSocket(headers: Record<string, string>) {
    class BrowserSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { headers });
      }
    }
    const wsClient = createWSClient({
      url: ts.wsUrl,
      WebSocket: BrowserSocket as unknown as typeof globalThis.WebSocket,
    });
    return {
      api: createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] }),
      wsClient,
    };
  }

  async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await p;
    } catch (err) {
      if (err instanceof TRPCClientError) return { code: err.data?.code, message: err.message };
      throw err;
    }
    return { code: "OK", message: "" };
  }

  it("are refused with a sentence, and the browser's cookie and family are left as they were", async () => {
    const user = newUser();
    const { b } = await register(ts, user);
    const { api, wsClient } = overWebSocket({
      cookie: `hearth_refresh=${b.cookie}`,
      origin: ts.url,
    });
    try {
      const refused = await refusal(api.auth.refresh.mutate({}));
      expect(refused.code).toBe("BAD_REQUEST");
      expect(refused.message).toMatch(/WebSocket cannot carry: call it over HTTP/);
      for (const call of [
        () => api.auth.login.mutate({ email: user.email, password: PASSWORD }),
        () => api.auth.register.mutate(newUser()),
        () => api.auth.logout.mutate({}),
        () => api.auth.resetPassword.mutate({ token: "x".repeat(40), newPassword: PASSWORD }),
      ]) {
        expect((await refusal(call())).code).toBe("BAD_REQUEST");
      }
    } finally {
      await wsClient.close();
    }

    // Well past the grace window, the browser's next refresh over HTTP is an ordinary one:
    // the WebSocket rotated nothing, so it is not taken for a stolen token's reuse.
    clock.advance(60_000);
    const refreshed = await post(ts, "auth.refresh", {}, { cookie: `hearth_refresh=${b.cookie}` });
    expect(refreshed.status).toBe(200);
    const me = browser();
    me.token = (
      (await refreshed.json()) as { result: { data: { accessToken: string } } }
    ).result.data.accessToken;
    const events = await clientFor(ts, me).audit.list.query({ limit: 50 });
    expect(events.items.map((e) => e.action)).not.toContain("auth.refresh_reuse");
  });

  it("switching tenant and changing the password are refused there too", async () => {
    const { b } = await register(ts, newUser());
    const org = await clientFor(ts, b).tenant.createOrganization.mutate({ name: "Org" });
    const { api, wsClient } = overWebSocket({ authorization: `Bearer ${b.token}`, origin: ts.url });
    try {
      expect((await refusal(api.tenant.switch.mutate({ tenantId: org.id }))).code).toBe(
        "BAD_REQUEST",
      );
      const change = api.auth.changePassword.mutate({
        currentPassword: PASSWORD,
        newPassword: "another good password",
      });
      expect((await refusal(change)).code).toBe("BAD_REQUEST");
      // Other procedures work over the WebSocket as before.
      expect((await api.auth.me.query()).tenant.type).toBe("Self");
    } finally {
      await wsClient.close();
    }
  });
});

describe("headers on what carries tokens", () => {
  let ts: TestServer;
  const publicUrl = "https://hearth.example.test";
  beforeAll(async () => {
    // A proxy ends TLS and talks plain HTTP to the server, which it does not tell.
    ts = await startTestServer({ publicUrl });
  });
  afterAll(async () => {
    await ts?.stop();
  });

  it("the refresh cookie is Secure whenever the public URL is https", async () => {
    const registered = await post(ts, "auth.register", newUser());
    expect(registered.status).toBe(200);
    const cookie = registered.headers.getSetCookie().find((c) => c.startsWith("hearth_refresh="));
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    const value = /^hearth_refresh=([^;]+)/.exec(cookie!)![1]!;
    const out = await post(
      ts,
      "auth.logout",
      {},
      { cookie: `hearth_refresh=${value}`, origin: publicUrl },
    );
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().join()).toMatch(/hearth_refresh=;.*Secure/i);
  });

  it("every answer of the API is Cache-Control: no-store, single, batched or refused", async () => {
    const user = newUser();
    const registered = await post(ts, "auth.register", user);
    const { accessToken } = (
      (await registered.json()) as {
        result: { data: { accessToken: string } };
      }
    ).result.data;
    const auth = { authorization: `Bearer ${accessToken}` };
    const answers = [
      registered,
      await post(ts, "auth.login", { email: user.email, password: PASSWORD }),
      await fetch(`${ts.trpcUrl}/auth.me`, { headers: auth }),
      await fetch(`${ts.trpcUrl}/auth.me,auth.devices?batch=1&input=${encodeURIComponent("{}")}`, {
        headers: auth,
      }),
      await fetch(`${ts.trpcUrl}/auth.me`),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 401]);
    for (const r of answers) expect(r.headers.get("cache-control")).toBe("no-store");
  });
});

describe("mail without SMTP", () => {
  /**
   * A server running Hearth's own API, told it listens on `host`, with its log kept. The
   * API decides from that where mail may go; the requests still travel over loopback.
   */
  async function serverOn(host: string, env: Record<string, string> = {}) {
    const lines: string[] = [];
    const ts = await startTestServer({
      api: (deps) => hearthApi({ ...deps, host }),
      logger: createLogger({ destination: { write: (l: string) => lines.push(l) } }),
      env: { ...process.env, HEARTH_SMTP_URL: "", HEARTH_DEV_MAIL_LOG: "", ...env },
    });
    return { ts, lines };
  }

  it("off a loopback address: reset and verification mails are refused with a sentence, nothing reaches the log, and the start says so", async () => {
    const { ts, lines } = await serverOn("203.0.113.10");
    try {
      expect(lines.join("\n")).toMatch(/mail is off/);
      const user = newUser();
      const { b } = await register(ts, user);
      const reset = await post(ts, "auth.requestPasswordReset", { email: user.email });
      expect(reset.status).toBe(412);
      const body = (await reset.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(/does not send mail/);
      // The same for an email without an account: the refusal tells nothing about accounts.
      const nobody = await post(ts, "auth.requestPasswordReset", { email: "nobody@hearth.test" });
      expect(nobody.status).toBe(412);
      const resend = await post(
        ts,
        "auth.resendVerification",
        {},
        { authorization: `Bearer ${b.token}` },
      );
      expect(resend.status).toBe(412);
      await ts.server.close();
      expect(lines.join("\n")).not.toMatch(/token=/);
    } finally {
      await ts.stop();
    }
  });

  it("on loopback, or with HEARTH_DEV_MAIL_LOG=1, mail is logged with its link", async () => {
    for (const [host, env] of [
      ["127.0.0.1", {}],
      ["203.0.113.10", { HEARTH_DEV_MAIL_LOG: "1" }],
    ] as const) {
      const { ts, lines } = await serverOn(host, env);
      try {
        const user = newUser();
        await register(ts, user);
        expect((await post(ts, "auth.requestPasswordReset", { email: user.email })).status).toBe(
          200,
        );
        await ts.server.close();
        const log = lines.join("\n");
        expect(log, host).toMatch(/reset-password\?token=/);
        expect(log, host).not.toMatch(/mail is off/);
      } finally {
        await ts.stop();
      }
    }
  });
});

describe("behind two proxies (HEARTH_TRUST_PROXY=2)", () => {
  const clock = testClock();
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startApiServer({ clock: clock.now, trustProxy: 2 });
  });
  afterAll(async () => {
    await ts?.stop();
  });

  it("the client is the second X-Forwarded-For entry from the right, whatever it put before", async () => {
    const user = newUser();
    await register(ts, user);
    // The client sent a forged entry; the outer proxy appended the client's address, the
    // inner one the outer proxy's; the inner proxy is the socket's peer.
    const signedIn = await post(
      ts,
      "auth.login",
      { email: user.email, password: PASSWORD },
      { "x-forwarded-for": "6.6.6.6, 198.51.100.9, 10.0.0.2" },
    );
    const b = browser();
    b.token = (
      (await signedIn.json()) as { result: { data: { accessToken: string } } }
    ).result.data.accessToken;
    const devices = await clientFor(ts, b).auth.devices.query();
    expect(devices.find((d) => d.current)?.ipAddress).toBe("198.51.100.9");
  });
});
