/**
 * pnpm bench:runtime — the workspace runtime: files (quick open over 10,000 files) and
 * terminals. Writes bench/results/runtime.json with each figure beside its target.
 */
import { machine, writeResult } from "./lib/measure";
import { benchFsSearch } from "./runtime-fs";
import { benchTerminals } from "./runtime-terminals";

const TARGETS = {
  fsSearchP50Ms_10kFiles: 20,
  echoOverheadMs: 2,
  floodRssGrowthMb: 100,
  autosaveDuringFloodP99Ms: 50,
} as const;

// Files: quick open over 10,000 files (runtime-fs.ts).
const files = await benchFsSearch();
// Terminals: the keystroke round trip against a bare PTY, and a 10 s `yes` flood
// (runtime-terminals.ts).
const terminals = await benchTerminals();

const figures: Record<string, unknown> = { ...files, ...terminals };
const met = Object.fromEntries(
  Object.entries(TARGETS).map(([name, max]) => {
    const value = figures[name];
    return [name, typeof value === "number" && value <= max];
  }),
);
writeResult("runtime", { machine: machine(), targets: TARGETS, met, files, terminals });
