/**
 * settings.* over real HTTP, and settings.changes over the real WebSocket, against a
 * started Hearth server with a real SQLite file: a change made in one tab reaches every
 * other connection of that person, and an Admin's new default reaches the tenant.
 */
import type { AppRouter } from "@hearth/api";
import { checkConsistency, type ResolvedSettings } from "@hearth/db";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wsClientFor } from "./terminal-testing";
import { startTestServer, type TestServer } from "./testing";

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  expect(await checkConsistency(ts.store)).toEqual([]);
  await ts.stop();
});

function http(token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: ts.trpcUrl,
        headers: () => ({ origin: ts.url, ...(token ? { authorization: `Bearer ${token}` } : {}) }),
      }),
    ],
  });
}

let n = 0;
async function signUp() {
  const res = await http().auth.register.mutate({
    email: `settings${++n}-${Date.now()}@example.com`,
    password: "settings follow me around",
    firstName: "Sam",
    lastName: "Settings",
  });
  return { token: res.accessToken, tenantId: res.tenant.id };
}

/** Every value settings.changes sends to one connection. */
function watch(token: string) {
  const seen: ResolvedSettings[] = [];
  const client = wsClientFor(ts.wsUrl, token);
  const sub = client.api.settings.changes.subscribe(undefined, {
    onData: (s) => seen.push(s as ResolvedSettings),
    onError: (err) => seen.push({ error: err } as unknown as ResolvedSettings),
  });
  return {
    seen,
    async until(pred: (s: ResolvedSettings) => boolean) {
      await expect.poll(() => seen.some(pred), { timeout: 5000 }).toBe(true);
    },
    close() {
      sub.unsubscribe();
      client.close();
    },
  };
}

describe("settings over HTTP and the WebSocket", () => {
  it("a change in one tab reaches the person's other connections at once", async () => {
    const me = await signUp();
    const otherTab = watch(me.token);
    const otherDevice = watch(me.token);
    try {
      await otherTab.until((s) => s.values.theme === "dark");
      await http(me.token).settings.update.mutate({ theme: "light", editorFontSize: 19 });
      for (const w of [otherTab, otherDevice]) {
        await w.until((s) => s.values.theme === "light" && s.values.editorFontSize === 19);
        expect(w.seen.at(-1)?.sources).toMatchObject({ theme: "user", editorFontSize: "user" });
      }
      await http(me.token).settings.reset.mutate({ key: "theme" });
      await otherDevice.until((s) => s.values.theme === "dark" && s.values.editorFontSize === 19);
    } finally {
      otherTab.close();
      otherDevice.close();
    }
  });

  it("an Admin's new default reaches the tenant; another person's change does not", async () => {
    const admin = await signUp();
    const stranger = await signUp();
    const mine = watch(admin.token);
    try {
      await mine.until(() => true);
      await http(stranger.token).settings.update.mutate({ tabSize: 7 });
      await http(stranger.token).settings.updateDefaults.mutate({ tabSize: 6 });
      await http(admin.token).settings.updateDefaults.mutate({ terminalCursorStyle: "bar" });
      await mine.until((s) => s.values.terminalCursorStyle === "bar");
      expect(mine.seen.every((s) => s.values.tabSize === 4)).toBe(true);
    } finally {
      mine.close();
    }
  });

  it("refuses a value out of range over HTTP with the field named", async () => {
    const me = await signUp();
    try {
      await http(me.token).settings.update.mutate({ terminalScrollback: 5 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TRPCClientError);
      expect((err as TRPCClientError<AppRouter>).data?.code).toBe("BAD_REQUEST");
      expect((err as Error).message).toContain("terminalScrollback");
    }
  });
});
