import { describe, expect, it } from "vitest";
import { createApiConfig, type RequestMeta } from "../context";
import { requireSameOrigin } from "./csrf";

const config = createApiConfig({ dataDir: "/tmp/x", trustedOrigins: ["https://app.example.com"] });

function req(
  origin: string | undefined,
  host = "hearth.example.com",
  protocol: "http" | "https" = "https",
): RequestMeta {
  return { ip: "1.2.3.4", userAgent: "t", origin, host, protocol };
}

function allowed(r: RequestMeta): boolean {
  try {
    requireSameOrigin({ req: r, config });
    return true;
  } catch {
    return false;
  }
}

describe("requireSameOrigin", () => {
  it("accepts the server's own origin, however the host is spelled", () => {
    expect(allowed(req("https://hearth.example.com"))).toBe(true);
    expect(allowed(req("https://HEARTH.example.com", "hearth.example.com:443"))).toBe(true);
    expect(allowed(req("http://127.0.0.1:3000", "127.0.0.1:3000", "http"))).toBe(true);
    expect(allowed(req("http://[::1]:3000", "[::1]:3000", "http"))).toBe(true);
  });

  it("accepts origins the operator trusts", () => {
    expect(allowed(req("https://app.example.com"))).toBe(true);
  });

  it("refuses other sites, other schemes, other ports, lookalikes and no Origin", () => {
    for (const origin of [
      undefined,
      "",
      "null",
      "https://evil.example",
      "http://hearth.example.com",
      "https://hearth.example.com:8443",
      "https://hearth.example.com.evil.example",
      "https://evil.example/hearth.example.com",
      "not a url",
    ]) {
      expect(allowed(req(origin)), String(origin)).toBe(false);
    }
    expect(allowed(req("https://hearth.example.com", ""))).toBe(false);
    expect(allowed(req("https://hearth.example.com", "bad host/"))).toBe(false);
  });
});
