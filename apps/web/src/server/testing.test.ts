import fs from "node:fs";
import path from "node:path";
import type { AppRouter } from "@hearth/api";
import { createTRPCClient, createWSClient, httpLink, wsLink } from "@trpc/client";
import { expect, it } from "vitest";
import WebSocket from "ws";
import { startTestServer } from "./testing";

it("starts the real server on a free port with its own SQLite file, and cleans up", async () => {
  const a = await startTestServer();
  const b = await startTestServer();
  try {
    expect(a.url).not.toBe(b.url);
    expect(a.dataDir).not.toBe(b.dataDir);
    expect(fs.existsSync(path.join(a.dataDir, "hearth.sqlite"))).toBe(true);
    const health = await fetch(`${a.url}/api/health`);
    expect(await health.json()).toMatchObject({ ok: true, store: "sqlite" });

    /** The same sign-up, sent to one server. */
    const registerOn = (trpcUrl: string) =>
      fetch(`${trpcUrl}/auth.register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          email: "someone@hearth.test",
          password: "a long enough password",
          firstName: "Some",
          lastName: "One",
        }),
      });
    const res = await registerOn(a.trpcUrl);
    expect(res.status).toBe(200);
    // The account exists on a's store only.
    const again = await registerOn(b.trpcUrl);
    expect(again.status).toBe(200);
  } finally {
    await a.stop();
    await b.stop();
  }
  expect(fs.existsSync(a.dataDir)).toBe(false);
  expect(fs.existsSync(b.dataDir)).toBe(false);
});

it("serves Hearth's API over HTTP and over the WebSocket with the same access token", async () => {
  const server = await startTestServer();
  const wsClient = createWSClient({
    url: server.wsUrl,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: async () => ({ authorization: `Bearer ${token}` }),
    lazy: { enabled: true, closeMs: 0 },
  });
  let token = "";
  try {
    const http = createTRPCClient<AppRouter>({ links: [httpLink({ url: server.trpcUrl })] });
    const registered = await http.auth.register.mutate({
      email: "ws@hearth.test",
      password: "a long enough password",
      firstName: "Web",
      lastName: "Socket",
    });
    token = registered.accessToken;
    const ws = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
    const me = await ws.auth.me.query();
    expect(me.user.email).toBe("ws@hearth.test");
  } finally {
    await wsClient.close();
    await server.stop();
  }
});
