import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JWT_KEY_FILE, loadJwtSecret } from "./signing-key";
import { type AccessTokenSubject, bearerToken, createAccessTokenSigner } from "./tokens";

const subject: AccessTokenSubject = {
  sub: "user-1",
  tid: "tenant-1",
  sid: "session-1",
  fam: "family-1",
  role: "Developer",
};

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("access tokens", () => {
  const secret = new Uint8Array(randomBytes(32));

  it("round-trips the claims and expires 15 minutes after issue by default", async () => {
    const now = new Date("2026-11-29T10:00:00Z");
    const signer = await createAccessTokenSigner({ secret, now: () => now });
    const { accessToken, expiresAt } = await signer.sign(subject);
    expect(expiresAt.toISOString()).toBe("2026-11-29T10:15:00.000Z");
    const claims = await signer.verify(accessToken);
    expect(claims).toEqual({
      ...subject,
      iss: "hearth",
      aud: "hearth",
      iat: now.getTime() / 1000,
      exp: expiresAt.getTime() / 1000,
    });
  });

  it("refuses lifetimes over 15 minutes", async () => {
    await expect(createAccessTokenSigner({ secret, ttlSeconds: 15 * 60 + 1 })).rejects.toThrow();
  });

  it.each([10_000, 0])("refuses an expired token (verified cache size %i)", async (size) => {
    let now = new Date("2026-11-29T10:00:00Z");
    const signer = await createAccessTokenSigner({
      secret,
      ttlSeconds: 60,
      now: () => now,
      verifiedCacheSize: size,
    });
    const { accessToken } = await signer.sign(subject);
    now = new Date("2026-11-29T10:00:59.999Z");
    expect(await signer.verify(accessToken)).not.toBeNull();
    now = new Date("2026-11-29T10:01:00Z");
    expect(await signer.verify(accessToken)).toBeNull();
  });

  it("hands out claims a caller cannot alter for the next caller", async () => {
    const signer = await createAccessTokenSigner({ secret });
    const { accessToken } = await signer.sign(subject);
    const first = (await signer.verify(accessToken)) as { role: string };
    expect(() => {
      first.role = "Admin";
    }).toThrow(TypeError);
    expect((await signer.verify(accessToken))?.role).toBe("Developer");
  });

  it("refuses alg none", async () => {
    const signer = await createAccessTokenSigner({ secret });
    const { accessToken } = await signer.sign(subject);
    const payload = accessToken.split(".")[1];
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${payload}.`;
    expect(await signer.verify(unsigned)).toBeNull();
  });

  it("refuses a token signed with another key or another HMAC algorithm", async () => {
    const signer = await createAccessTokenSigner({ secret });
    const other = await createAccessTokenSigner({ secret: new Uint8Array(randomBytes(32)) });
    expect(await signer.verify((await other.sign(subject)).accessToken)).toBeNull();

    const hs512 = await new SignJWT({ ...subject })
      .setProtectedHeader({ alg: "HS512" })
      .setIssuer("hearth")
      .setAudience("hearth")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new Uint8Array(randomBytes(64)));
    expect(await signer.verify(hs512)).toBeNull();
  });

  it("refuses a wrong issuer or audience", async () => {
    const signer = await createAccessTokenSigner({ secret });
    const otherIssuer = await createAccessTokenSigner({ secret, issuer: "someone-else" });
    const otherAudience = await createAccessTokenSigner({ secret, audience: "other-app" });
    expect(await signer.verify((await otherIssuer.sign(subject)).accessToken)).toBeNull();
    expect(await signer.verify((await otherAudience.sign(subject)).accessToken)).toBeNull();
  });

  it("refuses altered claims", async () => {
    const signer = await createAccessTokenSigner({ secret });
    const { accessToken } = await signer.sign(subject);
    // The genuine token is verified (and remembered) first: its forgeries must still fail.
    expect(await signer.verify(accessToken)).not.toBeNull();
    const [header, payload, signature] = accessToken.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    for (const change of [{ role: "Admin" }, { tid: "tenant-2" }, { sub: "user-2" }]) {
      const forged = `${header}.${b64({ ...claims, ...change })}.${signature}`;
      expect(await signer.verify(forged)).toBeNull();
    }
  });

  it("refuses a correctly signed token whose claims are missing or of the wrong type", async () => {
    const signer = await createAccessTokenSigner({ secret });
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("hearth")
        .setAudience("hearth")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(secret);
    expect(await signer.verify(await sign({ sub: "u", tid: "t", sid: "s", fam: "f" }))).toBeNull();
    expect(
      await signer.verify(await sign({ sub: "u", tid: "t", sid: "s", fam: "f", role: "Root" })),
    ).toBeNull();
    expect(
      await signer.verify(await sign({ sub: "u", tid: 7, sid: "s", fam: "f", role: "Admin" })),
    ).toBeNull();
  });

  it("answers null for garbage", async () => {
    const signer = await createAccessTokenSigner({ secret });
    for (const garbage of ["", "abc", "a.b.c", "..", "x".repeat(10_000)]) {
      expect(await signer.verify(garbage)).toBeNull();
    }
  });
});

describe("bearerToken", () => {
  it("reads the token of an Authorization header and nothing else", async () => {
    const signer = await createAccessTokenSigner({ secret: new Uint8Array(randomBytes(32)) });
    const { accessToken } = await signer.sign(subject);
    expect(bearerToken(`Bearer ${accessToken}`)).toBe(accessToken);
    expect(bearerToken(`bearer ${accessToken}`)).toBe(accessToken);
    for (const header of [
      undefined,
      null,
      "",
      "Bearer",
      "Bearer ",
      `Basic ${accessToken}`,
      "Bearer a b",
    ]) {
      expect(bearerToken(header)).toBeNull();
    }
  });
});

describe("signing key", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "hearth-auth-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("uses HEARTH_JWT_SECRET when set and writes nothing", async () => {
    const env = "s".repeat(40);
    const key = await loadJwtSecret({ dataDir: join(dir, "data"), envSecret: env });
    expect(Buffer.from(key).toString()).toBe(env);
    await expect(stat(join(dir, "data"))).rejects.toThrow();
  });

  it("refuses a HEARTH_JWT_SECRET shorter than 32 bytes", async () => {
    await expect(loadJwtSecret({ dataDir: dir, envSecret: "too short" })).rejects.toThrow(
      /at least 32 bytes/,
    );
  });

  it("generates a private key file on first start and reuses it after", async () => {
    const dataDir = join(dir, "nested", "data");
    const first = await loadJwtSecret({ dataDir });
    expect(first.byteLength).toBeGreaterThanOrEqual(32);
    const info = await stat(join(dataDir, JWT_KEY_FILE));
    expect(info.mode & 0o777).toBe(0o600);
    const again = await loadJwtSecret({ dataDir });
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    // Tokens signed before a restart still verify after it.
    const before = await createAccessTokenSigner({ secret: first });
    const after = await createAccessTokenSigner({ secret: again });
    expect(await after.verify((await before.sign(subject)).accessToken)).not.toBeNull();
  });

  it("gives every starter the same key when many start at once", async () => {
    const keys = await Promise.all(
      Array.from({ length: 12 }, () => loadJwtSecret({ dataDir: dir })),
    );
    const file = (await readFile(join(dir, JWT_KEY_FILE), "utf8")).trim();
    for (const key of keys) expect(Buffer.from(key).toString("base64url")).toBe(file);
    // No temp files are left behind.
    expect(await readdir(dir)).toEqual([JWT_KEY_FILE]);
  });

  it("refuses a key file that holds too little key", async () => {
    await writeFile(join(dir, JWT_KEY_FILE), "c2hvcnQ\n");
    await expect(loadJwtSecret({ dataDir: dir })).rejects.toThrow(/at least 32 bytes/);
  });
});
