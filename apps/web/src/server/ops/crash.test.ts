/**
 * The crash test as `npm test` runs it: 100 sessions, 10 kill -9s (see crash.ts). Its
 * lines go to the test's output, so a failure shows every restart.
 */
import { expect, it } from "vitest";
import { runCrashTest } from "./crash";

it("loses no acknowledged autosave across 10 kill -9s, sync normal and full in turn", async () => {
  const result = await runCrashTest({
    sessions: 100,
    kills: 10,
    loadMs: [500, 2000],
    log: (line) => process.stdout.write(`${line}\n`),
  });
  expect(result.problems).toEqual([]);
  expect(result.lost).toBe(0);
  // Every cycle saves something: the kills land among real writes.
  expect(result.acknowledged).toBeGreaterThan(100);
  expect(result.verified).toBe(result.acknowledged);
  expect(result.restarts.map((r) => r.sync)).toEqual(
    Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? "full" : "normal")),
  );
  for (const r of result.restarts) {
    expect(r.consistency).toEqual([]);
    expect(r.integrity).toBe("ok");
  }
}, 600_000);
