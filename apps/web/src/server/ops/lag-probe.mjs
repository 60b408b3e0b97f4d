// Preloaded into a server under load (node --import): its event-loop delay and RSS, once
// a second on stderr as `hearth-probe {json}`, measured since the last SIGUSR2 (which
// the soak sends when warm-up ends). Nothing of the server itself is changed.
import { monitorEventLoopDelay } from "node:perf_hooks";

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const ms = (ns) => Math.round(ns / 1e4) / 100;
const report = () => {
  process.stderr.write(
    `hearth-probe ${JSON.stringify({
      p50Ms: ms(delay.percentile(50)),
      p99Ms: ms(delay.percentile(99)),
      maxMs: ms(delay.max),
      rssBytes: process.memoryUsage.rss(),
    })}\n`,
  );
};
setInterval(report, 1000).unref();
process.on("SIGUSR2", () => {
  report();
  delay.reset();
});
