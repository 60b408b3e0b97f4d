import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "@hearth/db";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createHearthApi } from "./hearth-api";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "hearth-api-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

it("reads its settings from the environment and serves calls through createContext", async () => {
  const store = openSqliteStore({ filename: ":memory:" });
  const env = {
    HEARTH_WORKSPACES_DIR: join(dataDir, "ws"),
    HEARTH_PUBLIC_URL: "https://hearth.example.com",
    HEARTH_TRUSTED_ORIGINS: "https://a.example, https://b.example",
    HEARTH_MAX_SESSION_BUFFER_BYTES: "1234",
    HEARTH_JWT_SECRET: "x".repeat(40),
  };
  const mails: string[] = [];
  const api = await createHearthApi({
    store,
    dataDir,
    env,
    logger: { info: (o) => mails.push(JSON.stringify(o)), warn: () => {}, error: () => {} },
  });
  expect(api.config).toMatchObject({
    workspacesDir: join(dataDir, "ws"),
    maxSessionBufferBytes: 1234,
    trustedOrigins: ["https://a.example", "https://b.example", "https://hearth.example.com"],
  });
  const cookies: string[] = [];
  /** A request from the public origin to the server behind a proxy (another Host). */
  const contextFrom = (extra: { cookie?: string } = {}) =>
    api.createContext({
      req: {
        ip: "1.1.1.1",
        userAgent: "t",
        protocol: "https",
        host: "internal:3000",
        origin: "https://hearth.example.com",
        ...extra,
      },
      res: { setCookie: (c) => cookies.push(c), setHeader: () => {} },
    });
  const caller = api.router.createCaller(await contextFrom());
  await caller.auth.register({
    email: "e@example.com",
    password: "password123",
    firstName: "E",
    lastName: "",
  });
  expect(cookies[0]).toMatch(/^hearth_refresh=.*; HttpOnly; SameSite=Lax; Secure$/);
  // Behind a proxy the Host differs, but the public URL's origin may refresh.
  const refreshCtx = await contextFrom({ cookie: cookies[0]!.split(";")[0] });
  expect((await api.router.createCaller(refreshCtx).auth.refresh({})).accessToken).toBeTruthy();
  expect(cookies).toHaveLength(2);
  await api.close();
  // No SMTP configured: the verification link is logged, pointing at the public URL.
  expect(mails.join("\n")).toMatch(/https:\/\/hearth\.example\.com\/verify-email\?token=/);
  await store.close();
});

it("refuses a malformed buffer cap", async () => {
  const store = openSqliteStore({ filename: ":memory:" });
  await expect(
    createHearthApi({
      store,
      dataDir,
      env: { HEARTH_MAX_SESSION_BUFFER_BYTES: "lots", HEARTH_JWT_SECRET: "x".repeat(40) },
    }),
  ).rejects.toThrow(/HEARTH_MAX_SESSION_BUFFER_BYTES/);
  await store.close();
});
