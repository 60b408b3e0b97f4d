// Writes key i = "i" in its own transaction, i = 0, 1, 2, …, and prints i once its commit
// is acknowledged, until it is killed.

import { KeyPrefix, packKey } from "../../keyspace";
import { openSqliteStore } from "../sqlite";

const [filename, sync] = process.argv.slice(2);
const store = openSqliteStore({ filename: filename!, synchronous: sync as "normal" | "full" });
const keys = new KeyPrefix(packKey("acked"));
for (let i = 0; ; i++) {
  await store.transact(async (tx) => tx.set(keys.key(i), Buffer.from(String(i))));
  process.stdout.write(`${i}\n`);
}
