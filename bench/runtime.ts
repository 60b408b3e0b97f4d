/**
 * pnpm bench:runtime — the workspace runtime: files (quick open over 10,000 files) and
 * terminals. Writes bench/results/runtime.json with each figure beside its target.
 */
import { machine, writeResult } from "./lib/measure";
import { benchFsSearch } from "./runtime-fs";

const TARGETS = { fsSearchP50Ms_10kFiles: 20 } as const;

const files = await benchFsSearch();
const met = Object.fromEntries(
  Object.entries(TARGETS).map(([name, max]) => [name, (files[name] ?? Infinity) <= max]),
);
writeResult("runtime", { machine: machine(), targets: TARGETS, met, files });
