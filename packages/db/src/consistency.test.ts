import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkConsistency } from "./consistency";
import { globalKeys, tenantKeys, WS_PART } from "./keyspace";
import { createRepositories, type Repositories } from "./repos/index";
import { EMPTY_VALUE } from "./repos/internal";
import { registerUser } from "./repos/testing";
import { encodeCounter } from "./store/counter";
import { openSqliteStore, type SqliteStore } from "./store/sqlite";

let store: SqliteStore;
let repos: Repositories;

beforeEach(() => {
  store = openSqliteStore({ filename: ":memory:" });
  repos = createRepositories(store);
});
afterEach(() => store.close());

async function world() {
  const { user, tenant } = await registerUser(repos);
  const ws = await repos.workspaceSessions.create({
    tenantId: tenant.id,
    userId: user.id,
    name: "w",
    workspacePath: "w",
    tags: ["x"],
    buffers: { "a.ts": "z".repeat(200_000) },
  });
  const auth = await repos.authSessions.create({
    tenantId: tenant.id,
    userId: user.id,
    refreshTokenHash: "h",
    expiresAt: "2030-01-01T00:00:00.000Z",
    refreshExpiresAt: "2030-01-01T00:00:00.000Z",
  });
  expect(await checkConsistency(store)).toEqual([]);
  return { user, tenant, ws, auth, keys: tenantKeys(tenant.id) };
}

const kinds = async () => (await checkConsistency(store)).map((p) => `${p.kind} ${p.key}`);
/** A key under a session as checkConsistency names it. */
const show = (keys: { tenantId: string }, sid: string, ...rest: string[]) =>
  `(${[keys.tenantId, "ws", sid, ...rest].map((i) => JSON.stringify(i)).join(",")})`;

describe("checkConsistency", () => {
  it("reports index entries without their record", async () => {
    const { user, keys } = await world();
    await store.transact(async (tx) => {
      tx.set(keys.wsByUser(user.id, "ghost"), EMPTY_VALUE);
      tx.set(
        globalKeys.userByEmail("ghost@example.com"),
        Buffer.from('{"userId":"u","tenantId":"t"}'),
      );
      tx.set(globalKeys.tenantActive("nowhere"), EMPTY_VALUE);
    });
    const found = await kinds();
    expect(found).toHaveLength(3);
    expect(found.every((k) => k.startsWith("index_without_record"))).toBe(true);
    expect(found.join("\n")).toContain('"ghost"');
    expect(found.join("\n")).toContain("ghost@example.com");
  });

  it("reports records missing an index entry, and stale recency entries", async () => {
    const { user, ws, auth, keys } = await world();
    await store.transact(async (tx) => {
      tx.clear(globalKeys.userByEmail(user.email));
      tx.clear(keys.authByFamily(auth.tokenFamily, auth.id));
      tx.clear(keys.wsRecent(user.id, Date.parse(ws.lastActiveAt), ws.id));
      tx.set(keys.wsRecent(user.id, 5, ws.id), EMPTY_VALUE);
    });
    const found = await kinds();
    expect(found.filter((k) => k.startsWith("record_without_index"))).toHaveLength(3);
    expect(found.filter((k) => k.startsWith("index_without_record"))).toHaveLength(1);
  });

  it("reports chunks without meta and tenant data without a tenant", async () => {
    const { ws, keys } = await world();
    await store.transact(async (tx) => {
      tx.clear(keys.wsMeta(ws.id));
      tx.set(tenantKeys("lost-tenant").wsPartChunk("s", "editor", 0), Buffer.from("{}"));
    });
    const found = await kinds();
    expect(found.some((k) => k.startsWith("chunks_without_meta"))).toBe(true);
    expect(found.some((k) => k.startsWith("orphan_tenant_data"))).toBe(true);
    // The session's index entries now point at nothing, too.
    expect(found.filter((k) => k.startsWith("index_without_record")).length).toBeGreaterThanOrEqual(
      4,
    );
  });

  it("reports a gap in a buffer's chunks", async () => {
    const { ws, keys } = await world();
    await store.transact(async (tx) => tx.clear(keys.wsBufferChunk(ws.id, "a.ts", 1)));
    expect(await kinds()).toEqual([expect.stringMatching(/^chunks_not_contiguous/)]);
  });

  it("reports buffer sizes that disagree with the buffers' chunks", async () => {
    const { ws, keys } = await world();
    const sk = keys.ws(ws.id);
    const size = (path: string) =>
      `buffer_sizes_mismatch ${show(keys, ws.id, "buffer_size", path)}`;
    const total = `buffer_sizes_mismatch ${show(keys, ws.id, "buffer_bytes")}`;
    await store.transact(async (tx) => tx.set(sk.bufferSize("a.ts"), encodeCounter(5)));
    expect(await kinds()).toEqual([size("a.ts"), total]);
    await store.transact(async (tx) => {
      tx.set(sk.bufferSize("a.ts"), encodeCounter(200_000));
      tx.set(sk.bufferSize("ghost.ts"), encodeCounter(3));
      tx.add(sk.bufferBytes, 3);
    });
    expect(await kinds()).toEqual([size("ghost.ts")]);
    await store.transact(async (tx) => {
      tx.clear(sk.bufferSize("ghost.ts"));
      tx.clear(sk.bufferSize("a.ts"));
      tx.add(sk.bufferBytes, -3);
    });
    expect((await checkConsistency(store)).map((p) => p.message)).toEqual([
      expect.stringMatching(/^stray buffer chunks/),
      "total 200000 B, the sizes sum to 0 B",
    ]);
    await store.transact(async (tx) => {
      tx.set(sk.bufferSize("a.ts"), encodeCounter(200_000));
      tx.clear(sk.bufferBytes);
    });
    expect(await kinds()).toEqual([total]);
    await store.transact(async (tx) => tx.set(sk.bufferBytes, encodeCounter(200_000)));
    expect(await kinds()).toEqual([]);
  });

  it("reports an old buffer sizes record that disagrees with the buffers' chunks", async () => {
    const { ws, keys } = await world();
    const sk = keys.ws(ws.id);
    // A session written before the per-path sizes.
    await store.transact(async (tx) => {
      tx.clearRange(sk.bufferSizeRange.begin, sk.bufferSizeRange.end);
      tx.clear(sk.bufferBytes);
    });
    const setRecord = (json: string) =>
      store.transact(async (tx) => {
        tx.clearRange(sk.bufferSizesRange.begin, sk.bufferSizesRange.end);
        tx.set(sk.chunk(WS_PART.bufferSizes, 0), Buffer.from(json));
      });
    const mismatch = [expect.stringMatching(/^buffer_sizes_mismatch .*"buffer_sizes"\)$/)];

    await setRecord('{"a.ts":5}');
    expect(await kinds()).toEqual(mismatch);
    await setRecord('{"a.ts":200000,"ghost.ts":3}');
    expect(await kinds()).toEqual(mismatch);
    expect((await checkConsistency(store))[0]?.message).toContain("ghost.ts");
    await setRecord("{}");
    expect(await kinds()).toEqual(mismatch);
    await setRecord("not json");
    expect(await kinds()).toEqual(mismatch);
    await store.transact(async (tx) =>
      tx.clearRange(sk.bufferSizesRange.begin, sk.bufferSizesRange.end),
    );
    expect(await kinds()).toEqual(mismatch);

    // Right again, and a second chunk without its first is a gap.
    await setRecord('{"a.ts":200000}');
    expect(await kinds()).toEqual([]);
    await store.transact(async (tx) => {
      tx.clear(sk.chunk(WS_PART.bufferSizes, 0));
      tx.set(sk.chunk(WS_PART.bufferSizes, 1), Buffer.from('{"a.ts":200000}'));
    });
    expect(await kinds()).toEqual([expect.stringMatching(/^chunks_not_contiguous/)]);
  });

  it("reports a buffer sizes record of a session that is gone", async () => {
    const { ws, keys } = await world();
    await repos.workspaceSessions.delete(ws.tenantId, ws.id);
    expect(await kinds()).toEqual([]);
    await store.transact(async (tx) =>
      tx.set(keys.ws(ws.id).chunk(WS_PART.bufferSizes, 0), Buffer.from("{}")),
    );
    expect(await kinds()).toEqual([expect.stringMatching(/^chunks_without_meta/)]);
  });

  it("reports a membership held on one side only", async () => {
    const { user } = await world();
    const org = await repos.tenants.create({ name: "o" });
    await store.transact(async (tx) =>
      tx.set(
        tenantKeys(org.id).member(user.id),
        Buffer.from('{"role":"Viewer","addedAt":"2026-01-01T00:00:00.000Z"}'),
      ),
    );
    expect(await kinds()).toEqual([expect.stringMatching(/^record_without_index/)]);
  });
});
