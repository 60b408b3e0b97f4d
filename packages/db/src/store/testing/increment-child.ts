// Increments one counter `count` times through its own store on a shared file.

import { KeyPrefix, packKey } from "../../keyspace";
import { openSqliteStore } from "../sqlite";

const [filename, count] = process.argv.slice(2);
const store = openSqliteStore({ filename: filename! });
const key = new KeyPrefix(packKey("conf")).key("xproc");
const work: Promise<void>[] = [];
for (let i = 0; i < Number(count); i++) {
  work.push(
    store.transact(async (tx) => {
      const n = Number((await tx.get(key))?.toString() ?? "0");
      tx.set(key, Buffer.from(String(n + 1)));
    }),
  );
}
await Promise.all(work);
await store.close();
