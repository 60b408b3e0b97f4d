import argon2 from "argon2";
import { describe, expect, it } from "vitest";
import {
  dummyVerifyPassword,
  hashPassword,
  isAcceptablePassword,
  needsRehash,
  verifyPassword,
} from "./passwords";

describe("passwords", () => {
  it("hashes to an argon2id PHC string with the OWASP parameters and verifies it", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(hash, "correct horse battery")).toBe(true);
    expect(await verifyPassword(hash, "correct horse batterY")).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([
      hashPassword("same password"),
      hashPassword("same password"),
    ]);
    expect(a).not.toBe(b);
  });

  it("answers false, never throws, for malformed or hostile hashes", async () => {
    const good = await hashPassword("password-1");
    const malformed = [
      "",
      "plain text",
      "$argon2id$",
      good.slice(0, -10),
      good.replace("argon2id", "argon2x"),
      good.replace("m=19456", "m=abc"),
      // Parameters that would make a single verify allocate 4 GiB.
      good.replace("m=19456", "m=4194304"),
      "$2b$10$abcdefghijklmnopqrstuuYyC0JQ5eMaM2J6o6Z7cQ1o9XjvJd7Pa",
    ];
    for (const hash of malformed) {
      await expect(verifyPassword(hash, "password-1")).resolves.toBe(false);
    }
  });

  it("flags hashes made with other parameters or another variant for rehashing", async () => {
    const older = await argon2.hash("password-1", {
      type: argon2.argon2id,
      memoryCost: 4096,
      timeCost: 3,
      parallelism: 1,
    });
    const argon2i = await argon2.hash("password-1", {
      type: argon2.argon2i,
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
    });
    expect(needsRehash(older)).toBe(true);
    expect(needsRehash(argon2i)).toBe(true);
    expect(needsRehash("not a hash")).toBe(true);
    // Old hashes still verify, so the login that notices can rehash.
    expect(await verifyPassword(older, "password-1")).toBe(true);
  });

  it("dummy verification always fails, whatever the password", async () => {
    expect(await dummyVerifyPassword("anything at all")).toBe(false);
    expect(await dummyVerifyPassword("")).toBe(false);
  });

  it("leaves the event loop free while hashing", async () => {
    let ticks = 0;
    let done = false;
    const spin = (): void => {
      if (done) return;
      ticks++;
      setImmediate(spin);
    };
    setImmediate(spin);
    await hashPassword("a password that takes a while");
    done = true;
    // A synchronous hash would finish before the first setImmediate callback ran.
    expect(ticks).toBeGreaterThan(1);
  });

  it("accepts 8 to 256 characters", () => {
    expect(isAcceptablePassword("1234567")).toBe(false);
    expect(isAcceptablePassword("12345678")).toBe(true);
    expect(isAcceptablePassword("x".repeat(256))).toBe(true);
    expect(isAcceptablePassword("x".repeat(257))).toBe(false);
  });
});
