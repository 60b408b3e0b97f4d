import { describe, expect, it } from "vitest";
import { serverConfigFromEnv, trustedProxyHops } from "./config";

describe("HEARTH_TRUST_PROXY", () => {
  it("is the number of proxies in front; true is one, nothing or false is none", () => {
    expect(
      [undefined, "", "false", "0", "1", "true", "2"].map((raw) => trustedProxyHops(raw)),
    ).toEqual([0, 0, 0, 0, 1, 1, 2]);
    expect(serverConfigFromEnv({ ...process.env, HEARTH_TRUST_PROXY: "2" }).trustProxy).toBe(2);
  });

  it("refuses anything else with a sentence naming the variable", () => {
    for (const raw of ["yes", "-1", "1.5", "17"]) {
      expect(() => trustedProxyHops(raw), raw).toThrow(/HEARTH_TRUST_PROXY must be/);
    }
  });
});
