import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkConsistency } from "../consistency";
import { globalKeys, tenantKeys } from "../keyspace";
import { createRepositories } from "../repos/index";
import { registerUser } from "../repos/testing";
import { openSqliteStore, type SqliteStore } from "../store/sqlite";
import type { Store } from "../store/types";

import {
  backupSqlite,
  integrityCheck,
  RestoreRefusedError,
  restoreSqlite,
  SQLITE_FILE,
} from "./sqlite-backup";
import {
  exportTenants,
  ImportRefusedError,
  importPairs,
  openSqliteSnapshot,
  readExport,
} from "./tenant-transfer";

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-backup-test-"));
  dirs.push(d);
  return d;
}

/** `store`, whose transactions fail as a full disk does after the first `n`. */
function failingAfter(store: SqliteStore, n: number): Store {
  let left = n;
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "transact") {
        return (fn: Parameters<Store["transact"]>[0]) =>
          left-- > 0 ? target.transact(fn) : Promise.reject(new Error("disk I/O error"));
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function storeIn(dir: string): SqliteStore {
  const s = openSqliteStore({ filename: path.join(dir, SQLITE_FILE) });
  stores.push(s);
  return s;
}

async function everything(s: SqliteStore): Promise<string[]> {
  const rows = await s.transact((tx) => tx.getRange(Buffer.alloc(0), Buffer.from([0xff, 0xff])));
  return rows.map((r) => `${r.key.toString("hex")}=${r.value.toString("hex")}`);
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/** Two tenants' worth of keys, global entries of both, and a throttle counter. */
async function seed(s: SqliteStore) {
  const a = tenantKeys("tenanta");
  const b = tenantKeys("tenantb");
  const big = Buffer.alloc(90_000, 7);
  await s.transact(async (tx) => {
    tx.set(a.tenant(), json({ id: "tenanta", name: "A" }));
    tx.set(a.root.key("users", "usera"), json({ id: "usera" }));
    tx.set(a.root.key("ws", "s1", "buffer", "big.txt", 0), big);
    tx.set(a.root.key("ws", "s1", "buffer", "big.txt", 1), Buffer.from("tail"));
    tx.set(b.tenant(), json({ id: "tenantb", name: "B" }));
    tx.set(b.root.key("users", "userb"), json({ id: "userb" }));
    tx.set(
      globalKeys.root.key("users_by_email", "a@x.test"),
      json({ userId: "usera", tenantId: "tenanta" }),
    );
    tx.set(
      globalKeys.root.key("users_by_email", "b@x.test"),
      json({ userId: "userb", tenantId: "tenantb" }),
    );
    tx.set(globalKeys.root.key("user_tenants", "userb", "tenanta"), json({ role: "Developer" }));
    tx.set(globalKeys.root.key("tenants_active", "tenanta"), Buffer.alloc(0));
    tx.set(globalKeys.root.key("throttle", "login", "tenanta"), json({ count: 1 }));
  });
}

describe("backup and restore", () => {
  it("restores a backup taken from a live store into an empty directory, byte for byte", async () => {
    const live = storeIn(tempDir());
    await seed(live);
    const backupDir = tempDir();
    const result = await backupSqlite(live.filename, path.join(backupDir, "b.sqlite"));
    // The store goes on taking writes; the backup keeps the moment it was taken.
    const before = await everything(live);
    await live.transact(async (tx) => tx.set(tenantKeys("tenanta").root.key("late"), json(1)));
    expect(result.pages).toBeGreaterThan(0);
    expect(integrityCheck(result.file)).toBe("ok");

    const target = path.join(tempDir(), "fresh");
    restoreSqlite(result.file, target);
    expect(await everything(storeIn(target))).toEqual(before);
  });

  it("refuses a data directory that holds anything unless forced, then keeps its other files", async () => {
    const live = storeIn(tempDir());
    await seed(live);
    const file = (await backupSqlite(live.filename, path.join(tempDir(), "b.sqlite"))).file;

    const target = tempDir();
    fs.writeFileSync(path.join(target, "jwt.key"), "key");
    fs.writeFileSync(path.join(target, `${SQLITE_FILE}-wal`), "stale wal");
    expect(() => restoreSqlite(file, target)).toThrow(RestoreRefusedError);
    expect(() => restoreSqlite(file, target)).toThrow(/not empty.*--force/);
    expect(fs.readdirSync(target).sort()).toEqual(["hearth.sqlite-wal", "jwt.key"]);

    restoreSqlite(file, target, { force: true });
    expect(fs.readFileSync(path.join(target, "jwt.key"), "utf8")).toBe("key");
    expect(fs.existsSync(path.join(target, `${SQLITE_FILE}-wal`))).toBe(false);
    expect(await everything(storeIn(target))).toEqual(await everything(live));
  });

  it("refuses a file that is not a sound database, touching nothing", () => {
    const bad = path.join(tempDir(), "bad.sqlite");
    fs.writeFileSync(bad, "not a database at all".repeat(100));
    const target = path.join(tempDir(), "fresh");
    expect(() => restoreSqlite(bad, target)).toThrow();
    expect(fs.existsSync(target)).toBe(false);
  });
});

describe("tenant export and import", () => {
  async function exportOf(s: SqliteStore, tenants: string[]): Promise<string[]> {
    const lines: string[] = [];
    const reader = openSqliteSnapshot(s.filename);
    try {
      await exportTenants(reader, tenants, (l) => {
        lines.push(l);
      });
    } finally {
      reader.close();
    }
    return lines;
  }

  it("carries every key of the tenant and its global entries, no other tenant's and no counters", async () => {
    const source = storeIn(tempDir());
    await seed(source);
    const lines = await exportOf(source, ["tenanta"]);
    const exported = await readExport(lines);
    expect(exported.tenants).toEqual(["tenanta"]);
    const readable = lines.slice(1, -1).map((l) => JSON.parse(l).t.join("/"));
    expect(readable).toEqual([
      "tenanta/tenant",
      "tenanta/users/usera",
      "tenanta/ws/s1/buffer/big.txt/0",
      "tenanta/ws/s1/buffer/big.txt/1",
      "g/tenants_active/tenanta",
      "g/user_tenants/userb/tenanta",
      "g/users_by_email/a@x.test",
    ]);

    const target = storeIn(tempDir());
    expect(await importPairs(target, exported)).toMatchObject({ pairs: 7, resumed: false });
    const copied = await target.transact((tx) =>
      tx.get(tenantKeys("tenanta").root.key("ws", "s1", "buffer", "big.txt", 0)),
    );
    expect(copied?.equals(Buffer.alloc(90_000, 7))).toBe(true);
  });

  it("refuses to import over any existing key, writing nothing", async () => {
    const source = storeIn(tempDir());
    await seed(source);
    const exported = await readExport(await exportOf(source, ["tenanta"]));
    const target = storeIn(tempDir());
    // Someone on the target already has one of the emails.
    const email = globalKeys.root.key("users_by_email", "a@x.test");
    await target.transact(async (tx) =>
      tx.set(email, json({ userId: "other", tenantId: "other" })),
    );
    const before = await everything(target);
    await expect(importPairs(target, exported)).rejects.toThrow(ImportRefusedError);
    expect(await everything(target)).toEqual(before);
    // And importing twice is a collision too.
    const again = storeIn(tempDir());
    await importPairs(again, exported);
    await expect(importPairs(again, exported)).rejects.toThrow(/already exist/);
  });

  it("an import stopped part way is reported, and the same file run again finishes it", async () => {
    const source = storeIn(tempDir());
    const repos = createRepositories(source);
    const { user, tenant } = await registerUser(repos);
    await repos.workspaceSessions.create({
      tenantId: tenant.id,
      userId: user.id,
      name: "w",
      workspacePath: "w",
      tags: ["x"],
      buffers: { "a.ts": "z".repeat(200_000) },
    });
    const exported = await readExport(await exportOf(source, [tenant.id]));
    const clean = storeIn(tempDir());
    await importPairs(clean, exported);
    expect(await checkConsistency(clean)).toEqual([]);

    // The disk fails at the second batch written (two pairs each), after the checks.
    const target = storeIn(tempDir());
    const beforeSecondWrite = Math.ceil(exported.pairs.length / 2) + 3;
    await expect(
      importPairs(failingAfter(target, beforeSecondWrite), exported, { batchPairs: 2 }),
    ).rejects.toThrow(/disk I\/O error/);
    expect((await everything(target)).length).toBe(3);
    const problems = await checkConsistency(target);
    expect(problems.filter((p) => p.kind === "import_incomplete")).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(new RegExp(`import of ${tenant.id} .* again`)),
      }),
    ]);

    // Run again: finished, exactly as a clean import, and nothing left to report.
    expect(await importPairs(target, exported, { batchPairs: 2 })).toMatchObject({
      pairs: exported.pairs.length,
      resumed: true,
    });
    expect(await everything(target)).toEqual(await everything(clean));
    expect(await checkConsistency(target)).toEqual([]);

    // A key changed meanwhile still refuses the resumed import, writing nothing.
    const other = storeIn(tempDir());
    await expect(
      importPairs(failingAfter(other, beforeSecondWrite), exported, { batchPairs: 2 }),
    ).rejects.toThrow(/disk I\/O error/);
    await other.transact(async (tx) => tx.set(exported.pairs[0]!.key, json({ changed: true })));
    const before = await everything(other);
    await expect(importPairs(other, exported)).rejects.toThrow(/already exist/);
    expect(await everything(other)).toEqual(before);
  });

  it("refuses a truncated or edited export and an unknown tenant", async () => {
    const source = storeIn(tempDir());
    await seed(source);
    const lines = await exportOf(source, ["tenanta"]);
    await expect(readExport(lines.slice(0, -2))).rejects.toThrow(ImportRefusedError);
    const edited = [...lines];
    const pair = JSON.parse(edited[2]!) as { v: string };
    edited[2] = JSON.stringify({ ...pair, v: Buffer.from("x").toString("base64") });
    await expect(readExport(edited)).rejects.toThrow(/truncated or edited/);
    await expect(exportOf(source, ["nosuchtenant"])).rejects.toThrow(/no tenant/);
  });
});
