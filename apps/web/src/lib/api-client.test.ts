import type { AppRouter } from "@hearth/api";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startTestServer, type TestServer } from "../server/testing";
import { createHearthClient } from "./api-client";
import { AuthSession } from "./session";
import { browserFetch } from "./test-browser";

describe("the Hearth client against the real server", () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.stop());

  async function tab() {
    const fetch = browserFetch(ts.url);
    const register = createTRPCClient<AppRouter>({ links: [httpLink({ url: ts.trpcUrl, fetch })] });
    const answer = await register.auth.register.mutate({
      email: `client-${Date.now()}-${Math.random().toString(36).slice(2)}@hearth.test`,
      password: "correct horse battery",
      firstName: "Ada",
      lastName: "Lovelace",
    });
    const session = new AuthSession({ trpcUrl: ts.trpcUrl, fetch });
    const client = createHearthClient(session, { trpcUrl: ts.trpcUrl, wsUrl: null, fetch });
    return { session, client, answer, fetch };
  }

  it("sends the token with every call, batched calls too", async () => {
    const { session, client, answer } = await tab();
    session.signedIn(answer);
    const [me, list] = await Promise.all([
      client.auth.me.query(),
      client.workspace.list.query({ limit: 5 }),
    ]);
    expect(me.user.email).toBe(answer.user.email);
    expect(list.items).toEqual([]);
    session.dispose();
  });

  it("renews a token the server no longer takes and tries the call again, unnoticed", async () => {
    const { session, client, answer } = await tab();
    // A token that looks fine here but that the server refuses (as after a key change).
    session.signedIn({ ...answer, accessToken: `${answer.accessToken.slice(0, -4)}AAAA` });
    const me = await client.auth.me.query();
    expect(me.user.email).toBe(answer.user.email);
    expect(session.current.status === "signed-in" && session.current.accessToken).not.toBe(
      answer.accessToken,
    );
    session.dispose();
  });

  it("passes the refusal on, and ends the sign-in as revoked, when the renewal is refused", async () => {
    const { session, client, answer } = await tab();
    session.signedIn(answer);
    await client.auth.logoutAll.mutate({});
    const err = await client.auth.me.query().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
    expect(session.current).toEqual({ status: "signed-out", reason: "revoked" });
    session.dispose();
  });

  it("leaves the sign-in alone for a refusal that is not about the token (a wrong password)", async () => {
    const { session, client, answer } = await tab();
    session.signedIn(answer);
    const err = await client.auth.login
      .mutate({ email: answer.user.email, password: "not the password" })
      .catch((e: unknown) => e);
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe("UNAUTHORIZED");
    expect(session.current.status).toBe("signed-in");
    expect((await client.auth.me.query()).user.email).toBe(answer.user.email);
    session.dispose();

    // A tab with no sign-in at all stays signed out, without a reason to show.
    const stranger = new AuthSession({ trpcUrl: ts.trpcUrl, fetch: browserFetch(ts.url) });
    const strangerClient = createHearthClient(stranger, { trpcUrl: ts.trpcUrl, wsUrl: null });
    await expect(
      strangerClient.auth.login.mutate({ email: answer.user.email, password: "nope nope" }),
    ).rejects.toThrow(/not valid/);
    expect(stranger.current).toEqual({ status: "signed-out", reason: null });
  });

  it("subscribes over the WebSocket with the token, and reconnects with a fresh one when it is refused", async () => {
    const { session, answer, fetch } = await tab();
    const client = createHearthClient(session, {
      trpcUrl: ts.trpcUrl,
      wsUrl: ts.wsUrl,
      fetch,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    session.signedIn(answer);
    const ws = await client.workspace.create.mutate({ name: "Shell", path: "shell" });
    // The socket connects with a token the server refuses (as one that expired while
    // connected); the link renews it and the subscription goes through on a new socket.
    session.signedIn({ ...answer, accessToken: `${answer.accessToken.slice(0, -4)}AAAA` });
    const first = await new Promise<{ type: string }>((resolve, reject) => {
      const sub = client.terminal.attach.subscribe(
        { workspaceId: ws.id, cols: 80, rows: 24 },
        {
          onData: (event) => {
            sub.unsubscribe();
            resolve(event);
          },
          onError: reject,
        },
      );
    });
    expect(["ready", "data"]).toContain(first.type);
    expect(session.current.status === "signed-in" && session.current.accessToken).not.toContain(
      "AAAA",
    );
    session.dispose();
  }, 20_000);
});
