import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createEmailToken, emailTokenHashOf } from "./email-tokens";
import {
  clearRefreshCookie,
  createRefreshToken,
  parseCookieHeader,
  parseRefreshToken,
  readRefreshCookie,
  secretMatchesHash,
  serializeRefreshCookie,
} from "./refresh";

describe("refresh tokens", () => {
  it("are sessionId.secret with 256 random bits, and only the secret's SHA-256 is kept", () => {
    const t = createRefreshToken("01JSESSION");
    expect(t.token).toBe(`01JSESSION.${t.secret}`);
    expect(Buffer.from(t.secret, "base64url")).toHaveLength(32);
    expect(t.secretHash).toBe(createHash("sha256").update(t.secret).digest("hex"));
    expect(t.token).not.toContain(t.secretHash);
    expect(createRefreshToken("01JSESSION").secret).not.toBe(t.secret);
  });

  it("parse back into their parts", () => {
    const t = createRefreshToken("abc-DEF_123");
    expect(parseRefreshToken(t.token)).toEqual({ sessionId: "abc-DEF_123", secret: t.secret });
  });

  it("parse malformed input to null", () => {
    const { secret } = createRefreshToken("s1");
    const bad: unknown[] = [
      undefined,
      null,
      42,
      "",
      "nodot",
      `.${secret}`,
      "s1.",
      `s1.${secret}x`,
      `s1.${secret.slice(1)}`,
      `s1.${secret.slice(1)}+`,
      `s/1.${secret}`,
      `s1.${secret}.extra`,
      `${"a".repeat(65)}.${secret}`,
    ];
    for (const input of bad) expect(parseRefreshToken(input)).toBeNull();
  });

  it("match only their own hash", () => {
    const a = createRefreshToken("s1");
    const b = createRefreshToken("s1");
    expect(secretMatchesHash(a.secret, a.secretHash)).toBe(true);
    expect(secretMatchesHash(b.secret, a.secretHash)).toBe(false);
    expect(secretMatchesHash(a.secret, "")).toBe(false);
    expect(secretMatchesHash(a.secret, a.secretHash.slice(2))).toBe(false);
    expect(secretMatchesHash(a.secret, a.secretHash.toUpperCase())).toBe(false);
  });
});

describe("refresh cookie", () => {
  const { token } = createRefreshToken("s1");

  it("is HttpOnly, SameSite=Lax, Path=/api, 30 days, Secure only over https", () => {
    const plain = serializeRefreshCookie(token, { secure: false });
    expect(plain).toBe(
      `hearth_refresh=${token}; Path=/api; Max-Age=2592000; HttpOnly; SameSite=Lax`,
    );
    expect(serializeRefreshCookie(token, { secure: true })).toBe(`${plain}; Secure`);
  });

  it("clears with an empty value and Max-Age=0 on the same path", () => {
    const cleared = clearRefreshCookie({ secure: true });
    expect(cleared).toMatch(/^hearth_refresh=; Path=\/api; Max-Age=0; /);
    expect(cleared).toContain("HttpOnly");
    expect(cleared).toContain("Secure");
  });

  it("refuses to serialize something that is not a refresh token", () => {
    expect(() => serializeRefreshCookie("x; Domain=evil.test", { secure: false })).toThrow();
  });

  it("is read back from a Cookie header among others", () => {
    expect(readRefreshCookie(`theme=dark; hearth_refresh=${token}; other=1`)).toBe(token);
    expect(readRefreshCookie(`hearth_refresh="${token}"`)).toBe(token);
    expect(readRefreshCookie("theme=dark")).toBeNull();
    expect(readRefreshCookie("hearth_refresh=garbage")).toBeNull();
    expect(readRefreshCookie("")).toBeNull();
    expect(readRefreshCookie(undefined)).toBeNull();
  });

  it("parses odd Cookie headers without throwing", () => {
    const cookies = parseCookieHeader("a=1; b=%E0%A4%A; =x; noequals; c = 3 ; a=2");
    expect(cookies.get("a")).toBe("1");
    expect(cookies.get("b")).toBe("%E0%A4%A");
    expect(cookies.get("c")).toBe("3");
    expect(cookies.has("noequals")).toBe(false);
  });
});

describe("email tokens", () => {
  it("are 256 random bits, looked up by their SHA-256", () => {
    const a = createEmailToken();
    expect(Buffer.from(a.token, "base64url")).toHaveLength(32);
    expect(a.tokenHash).toBe(createHash("sha256").update(a.token).digest("hex"));
    expect(emailTokenHashOf(a.token)).toBe(a.tokenHash);
    expect(createEmailToken().token).not.toBe(a.token);
  });

  it("turn malformed input into null", () => {
    for (const bad of [undefined, 3, "", "short", `${createEmailToken().token}=`]) {
      expect(emailTokenHashOf(bad)).toBeNull();
    }
  });
});
