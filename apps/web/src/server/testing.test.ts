import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { startTestServer } from "./testing";

it("starts the real server on a free port with its own SQLite file, and cleans up", async () => {
  const a = await startTestServer();
  const b = await startTestServer();
  try {
    expect(a.url).not.toBe(b.url);
    expect(a.dataDir).not.toBe(b.dataDir);
    expect(fs.existsSync(path.join(a.dataDir, "hearth.sqlite"))).toBe(true);
    const health = await fetch(`${a.url}/api/health`);
    expect(await health.json()).toMatchObject({ ok: true, store: "sqlite" });

    const res = await fetch(`${a.trpcUrl}/auth.register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: "someone@hearth.test",
        password: "a long enough password",
        firstName: "Some",
        lastName: "One",
      }),
    });
    expect(res.status).toBe(200);
    // The account exists on a's store only.
    const again = await fetch(`${b.trpcUrl}/auth.register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: "someone@hearth.test",
        password: "a long enough password",
        firstName: "Some",
        lastName: "One",
      }),
    });
    expect(again.status).toBe(200);
  } finally {
    await a.stop();
    await b.stop();
  }
  expect(fs.existsSync(a.dataDir)).toBe(false);
  expect(fs.existsSync(b.dataDir)).toBe(false);
});
