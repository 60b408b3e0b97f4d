import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore, type Store } from "@hearth/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuthService } from "./create";
import { JWT_KEY_FILE } from "./signing-key";

describe("createAuthService", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "hearth-auth-create-"));
    store = openSqliteStore({ filename: ":memory:" });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("without SMTP, logs the verification link, which then works", async () => {
    const lines: string[] = [];
    const auth = await createAuthService({
      store,
      dataDir: dir,
      env: {},
      publicBaseUrl: "http://127.0.0.1:3000",
      mailLog: (line) => lines.push(line),
    });
    expect(auth.mailer.kind).toBe("log");
    const { user } = await auth.register({
      email: "local@example.test",
      password: "local password",
      firstName: "Lo",
      lastName: "Cal",
    });
    await auth.drain();
    expect(lines).toHaveLength(1);
    const link = /http:\/\/127\.0\.0\.1:3000\/verify-email\?token=(\S+)/.exec(lines[0]!);
    expect(link).not.toBeNull();
    const verified = await auth.verifyEmail({ token: link![1]! });
    expect(verified.id).toBe(user.id);
    expect(verified.emailVerified).toBe(true);
    // The signing key was generated into the data directory.
    expect((await stat(join(dir, JWT_KEY_FILE))).isFile()).toBe(true);
  });

  it("servers sharing HEARTH_JWT_SECRET accept each other's access tokens", async () => {
    const env = { HEARTH_JWT_SECRET: "a shared secret of at least thirty-two bytes" };
    const options = {
      store,
      env,
      publicBaseUrl: "http://127.0.0.1:3000",
      mailLog: () => {},
    };
    const a = await createAuthService({ ...options, dataDir: join(dir, "a") });
    const b = await createAuthService({ ...options, dataDir: join(dir, "b") });
    const { accessToken } = await a.register({
      email: "shared@example.test",
      password: "shared password",
      firstName: "Sha",
      lastName: "Red",
    });
    expect(await b.authenticate(accessToken)).not.toBeNull();
    await a.drain();
    // No key file is written when the secret comes from the environment.
    await expect(stat(join(dir, "a", JWT_KEY_FILE))).rejects.toThrow();
  });
});
