// Runs in a worker thread started by checkpointer.ts, with its own connection to the
// store's file: copies the WAL back into the database every `intervalMs`, off the event
// loop of the process serving requests. Not part of the package's surface.

import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

export interface CheckpointWorkerData {
  filename: string;
  intervalMs: number;
}

const { filename, intervalMs } = workerData as CheckpointWorkerData;
const db = new Database(filename, { timeout: 0 });

function checkpoint(): void {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // The file is busy: the next tick tries again.
  }
}

const timer = setInterval(checkpoint, intervalMs);

// Any message means stop: one last checkpoint, then close.
parentPort?.once("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort?.close();
});
