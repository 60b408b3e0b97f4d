import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import type { CheckpointWorkerData } from "./checkpoint-worker";

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Starts the worker: checkpoint-worker.mjs beside the server bundle (the build writes it
 * there), or, running from the sources, checkpoint-worker.ts through tsx's loader (a
 * worker does not inherit the loader hooks of the thread that starts it).
 */
function startWorker(workerData: CheckpointWorkerData): Worker | undefined {
  const built = new URL("./checkpoint-worker.mjs", import.meta.url);
  if (fs.existsSync(built)) return new Worker(built, { workerData });
  const source = new URL("./checkpoint-worker.ts", import.meta.url);
  if (!fs.existsSync(source)) return undefined;
  // tsx/esm/api resolves to its CommonJS build from here; the loader is the ESM one.
  const api = createRequire(import.meta.url)
    .resolve("tsx/esm/api")
    .replace(/\.cjs$/, ".mjs");
  const boot = `import(${JSON.stringify(pathToFileURL(api).href)}).then((tsx) => {
    tsx.register();
    return import(${JSON.stringify(source.href)});
  });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Copies the WAL back into the database file from another thread. Left to SQLite, every
 * thousandth page written makes one commit copy 4 MB on the event loop — more than half
 * of what commits cost under a steady autosave load. The connection keeps a much larger
 * automatic checkpoint as a backstop in case the worker falls behind or cannot start.
 */
export function startCheckpointer(
  filename: string,
  db: Database.Database,
): Checkpointer | undefined {
  let worker: Worker | undefined;
  try {
    worker = startWorker({ filename: path.resolve(filename), intervalMs: 50 });
  } catch {
    worker = undefined;
  }
  if (!worker) {
    db.pragma("wal_autocheckpoint = 1000");
    return undefined;
  }
  db.pragma("wal_autocheckpoint = 16384");
  worker.unref();
  worker.on("error", () => db.open && db.pragma("wal_autocheckpoint = 1000"));
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async stop() {
      // Keep the process alive until the last checkpoint is done.
      worker.ref();
      worker.postMessage("stop");
      await exited;
    },
  };
}
