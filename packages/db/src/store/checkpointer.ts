import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";

export interface Checkpointer {
  stop(): Promise<void>;
}

// Runs in a worker thread with its own connection to the same file.
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { timeout: 0 });
const checkpoint = () => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

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
  db.pragma("wal_autocheckpoint = 16384");
  let worker: Worker;
  try {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    worker = new Worker(CHECKPOINT_WORKER, {
      eval: true,
      workerData: { driver, filename: path.resolve(filename), intervalMs: 50 },
    });
  } catch {
    db.pragma("wal_autocheckpoint = 1000");
    return undefined;
  }
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
