import http from "node:http";
import { initTRPC } from "@trpc/server";
import { createURL } from "@trpc/server/adapters/node-http";
import { createTRPCNodeHandler } from "./trpc-handler";

const t = initTRPC.create();
const router = t.router({ noop: t.procedure.mutation(() => ({ ok: true })) });
const proc = router._def.procedures.noop as any;
const lean = createTRPCNodeHandler({ router, maxBodySize: 1e6, createContext: () => ({}) });
const answer = JSON.stringify({ result: { data: { ok: true } } });
function readAll(req: http.IncomingMessage, cb: (b: Buffer) => void) {
  const c: Buffer[] = [];
  req.on("data", (d: Buffer) => c.push(d));
  req.on("end", () => cb(Buffer.concat(c)));
}
const modes: Record<string, http.RequestListener> = {
  bare: (req, res) =>
    readAll(req, () => {
      res.setHeader("content-type", "application/json");
      res.setHeader("content-length", Buffer.byteLength(answer));
      res.end(answer);
    }),
  parse: (req, res) => {
    const url = createURL(req);
    url.searchParams.get("batch");
    readAll(req, (b) => {
      JSON.parse(b.toString());
      res.setHeader("vary", "trpc-accept, accept");
      res.setHeader("content-type", "application/json");
      const s = JSON.stringify({ result: { data: { ok: true } } });
      res.setHeader("content-length", Buffer.byteLength(s));
      res.end(s);
    });
  },
  proc: (req, res) => {
    const url = createURL(req);
    url.searchParams.get("batch");
    readAll(req, async (b) => {
      const data = await proc({
        path: "noop",
        getRawInput: async () => JSON.parse(b.toString()),
        ctx: {},
        type: "mutation",
        signal: undefined,
        batchIndex: 0,
      });
      res.setHeader("vary", "trpc-accept, accept");
      res.setHeader("content-type", "application/json");
      const s = JSON.stringify({ result: { data } });
      res.setHeader("content-length", Buffer.byteLength(s));
      res.end(s);
    });
  },
  lean: (req, res) => void lean(req, res, "noop"),
};
const server = http.createServer(modes[process.argv[2]!]!);
server.listen(0, "127.0.0.1", () => process.send!({ port: (server.address() as any).port }));
let c0 = process.cpuUsage();
process.on("message", (m: string) => {
  if (m === "start") c0 = process.cpuUsage();
  else if (m === "stop") {
    const u = process.cpuUsage(c0);
    process.send!({ cpu: u.user + u.system });
  } else process.exit(0);
});
