import { describe, expect, it } from "vitest";
import { faultsFromEnv, serverConfigFromEnv as fromEnv } from "./config";

const serverConfigFromEnv = (env: Record<string, string>) => fromEnv(env as NodeJS.ProcessEnv);

describe("HEARTH_FAULTS", () => {
  it("is off unless set", () => {
    expect(serverConfigFromEnv({}).faults).toBeUndefined();
  });

  it("reads seed:rate as that share not committed and a fifth of it unknown", () => {
    expect(serverConfigFromEnv({ HEARTH_FAULTS: "42:0.1" }).faults).toEqual({
      seed: 42,
      notCommitted: 0.1,
      commitUnknown: 0.1 / 5,
    });
    expect(faultsFromEnv("7:0.05:0.3")).toEqual({
      seed: 7,
      notCommitted: 0.05,
      commitUnknown: 0.3,
    });
  });

  it.each(["42", "x:0.1", "1.5:0.1", "1:2", "1:0.1:-1", "1:0.9:0.2", "1:0.1:0.1:0.1"])(
    "refuses %s, naming the variable",
    (raw) => {
      expect(() => serverConfigFromEnv({ HEARTH_FAULTS: raw })).toThrow(/HEARTH_FAULTS/);
    },
  );
});
