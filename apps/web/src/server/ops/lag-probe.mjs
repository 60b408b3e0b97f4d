// Preloaded into a server under load (node --import): its event-loop delay and memory,
// once a second on stderr as `hearth-probe {json}`, the delay measured since the last
// SIGUSR2. On SIGUSR2 (the soak sends it when warm-up ends and when the load stops) it
// first runs a full garbage collection, so that those two readings compare the memory
// the server holds rather than garbage not yet collected. Nothing of the server changes.
import { monitorEventLoopDelay } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import { isMainThread } from "node:worker_threads";

// Worker threads (the store's checkpointer) load preloads too; only the server's own
// thread reports.
if (isMainThread) start();

function start() {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc");
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  const report = (collected) => {
    const mem = process.memoryUsage();
    process.stderr.write(
      `hearth-probe ${JSON.stringify({
        p50Ms: ms(delay.percentile(50)),
        p99Ms: ms(delay.percentile(99)),
        maxMs: ms(delay.max),
        rssBytes: mem.rss,
        heapUsedBytes: mem.heapUsed,
        heapTotalBytes: mem.heapTotal,
        externalBytes: mem.external,
        collected,
      })}\n`,
    );
  };
  setInterval(() => report(false), 1000).unref();
  process.on("SIGUSR2", () => {
    gc();
    report(true);
    delay.reset();
  });
}
