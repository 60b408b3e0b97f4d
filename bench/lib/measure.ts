import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Runs `op` from `callers` concurrent loops for `ms` and returns completed ops per second. */
export async function opsPerSec(
  callers: number,
  ms: number,
  op: (caller: number, i: number) => Promise<unknown>,
): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let i = 0; performance.now() < until; i++) {
        await op(caller, i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** Median of `runs` timings of `op`, in milliseconds, after `warmup` untimed runs. */
export async function p50Ms(
  runs: number,
  op: (i: number) => Promise<unknown>,
  warmup = 20,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await op(i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await op(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function machine() {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Writes bench/results/<name>.json and prints it. */
export function writeResult(name: string, result: Record<string, unknown>): void {
  const dir = path.join(import.meta.dirname, "..", "results");
  fs.mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(result, null, 2)}\n`;
  fs.writeFileSync(path.join(dir, `${name}.json`), text);
  process.stdout.write(text);
}
