/**
 * The cross-tenant matrix: every procedure that takes an id, called by an Admin of tenant
 * A with tenant B's ids, answers NOT_FOUND exactly as for an id that never existed, and
 * the store is byte-for-byte unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createHarness,
  expectCode,
  type Harness,
  registerMember,
  type SignedInClient,
  setPlan,
  type TestClient,
} from "./testing/harness";

let h: Harness;
let a: SignedInClient;
let b: SignedInClient;
let bMember: SignedInClient;
let bSession: string;
let bFork: string;
let bFamily: string;
let bInvitation: string;

async function snapshot(): Promise<string> {
  const rows = await h.store.transact((tx) =>
    tx.getRange(Buffer.alloc(0), Buffer.from([0xff, 0xff])),
  );
  return rows.map((r) => `${r.key.toString("hex")}=${r.value.toString("hex")}`).join("\n");
}

beforeAll(async () => {
  h = await createHarness();
  a = await h.register({ firstName: "Alice" });
  b = await h.register({ firstName: "Bob" });
  await setPlan(h, a.tenantId, "Pro");
  await setPlan(h, b.tenantId, "Pro");
  bMember = await registerMember(h, b, "Developer", { firstName: "Bea" });
  const bApi = await b.client.api();
  const s = await bApi.workspace.create({ name: "secret", path: "secret", tags: ["shared-tag"] });
  await bApi.workspace.autosave({ id: s.id, baseRev: 0, buffers: { "a.ts": "B's text" } });
  bSession = s.id;
  bFork = (await bApi.workspace.fork({ id: s.id, name: "fork" })).id;
  bFamily = (await bApi.auth.devices())[0]!.tokenFamily;
  // Shared with all of B, and an open invitation: neither may reach A.
  await bApi.workspace.share({ id: s.id, tenant: true });
  bInvitation = (await bApi.tenant.invite({ email: "carol@example.com", role: "Viewer" })).id;
  // Tenant A has data of its own, so "nothing changed" is not trivially true.
  const aApi = await a.client.api();
  await aApi.workspace.create({ name: "mine", path: "mine", tags: ["shared-tag"] });
});

afterAll(async () => {
  await h.close();
});

type Call = (api: Awaited<ReturnType<TestClient["api"]>>, id: string) => Promise<unknown>;

const idCalls: Array<[string, () => string, Call]> = [
  ["workspace.get", () => bSession, (api, id) => api.workspace.get({ id })],
  ["workspace.children", () => bSession, (api, id) => api.workspace.children({ id })],
  ["workspace.fork", () => bSession, (api, id) => api.workspace.fork({ id, name: "stolen" })],
  [
    "workspace.autosave (editor)",
    () => bSession,
    (api, id) =>
      api.workspace.autosave({
        id,
        baseRev: 1,
        editor: { layout: "single", activeTabIndex: -1, openTabs: [] },
      }),
  ],
  [
    "workspace.autosave (buffers)",
    () => bSession,
    (api, id) => api.workspace.autosave({ id, baseRev: 1, buffers: { "a.ts": "overwritten" } }),
  ],
  ["workspace.update", () => bSession, (api, id) => api.workspace.update({ id, name: "pwned" })],
  ["workspace.delete", () => bSession, (api, id) => api.workspace.delete({ id })],
  ["workspace.delete (fork)", () => bFork, (api, id) => api.workspace.delete({ id })],
  ["workspace.share", () => bSession, (api, id) => api.workspace.share({ id, tenant: true })],
  ["workspace.unshare", () => bSession, (api, id) => api.workspace.unshare({ id, tenant: true })],
  ["tenant.switch", () => b.tenantId, (api, id) => api.tenant.switch({ tenantId: id })],
  [
    "tenant.setRole",
    () => bMember.userId,
    (api, id) => api.tenant.setRole({ userId: id, role: "Admin" }),
  ],
  ["tenant.revokeInvitation", () => bInvitation, (api, id) => api.tenant.revokeInvitation({ id })],
  [
    "tenant.removeMember",
    () => bMember.userId,
    (api, id) => api.tenant.removeMember({ userId: id }),
  ],
  ["auth.revokeDevice", () => bFamily, (api, id) => api.auth.revokeDevice({ tokenFamily: id })],
];

describe("cross-tenant ids", () => {
  it.each(idCalls)(
    "%s with the other tenant's id is NOT_FOUND, like a missing id, and changes nothing",
    async (_name, id, call) => {
      const before = await snapshot();
      expect(before.split("\n").length).toBeGreaterThan(20);
      const api = await a.client.api();
      const other = await expectCode(call(api, id()), "NOT_FOUND");
      const missingId = "01zzzzzzzzzzzzzzzzzzzzzzzz";
      const missing = await expectCode(call(api, missingId), "NOT_FOUND");
      expect(other.message.replace(id(), "ID")).toBe(missing.message.replace(missingId, "ID"));
      expect(await snapshot()).toBe(before);
    },
  );

  it("listings never show the other tenant's records, even given its cursors or tags", async () => {
    const bApi = await b.client.api();
    const bPage = await bApi.workspace.list({ limit: 1 });
    expect(bPage.nextCursor).not.toBeNull();
    const aApi = await a.client.api();
    const seen = [
      ...(await aApi.workspace.list({ limit: 100 })).items,
      ...(await aApi.workspace.list({ limit: 100, cursor: bPage.nextCursor })).items,
      ...(await aApi.workspace.related({ tags: ["shared-tag"] })).items,
    ];
    expect(seen.length).toBeGreaterThan(0);
    for (const item of seen) expect([bSession, bFork]).not.toContain(item.id);
    const bAudit = await bApi.audit.list({ limit: 1 });
    const aAudit = await aApi.audit.list({ limit: 100, cursor: bAudit.nextCursor });
    for (const e of aAudit.items) expect(e.tenantId).toBe(a.tenantId);
    const members = await aApi.tenant.members();
    expect(members.map((m) => m.user.id)).toEqual([a.userId]);
    expect((await aApi.workspace.sharedWithMe()).items).toEqual([]);
    expect((await aApi.tenant.workspaces()).items.map((i) => i.id)).not.toContain(bSession);
    expect(await aApi.tenant.invitations()).toEqual([]);
  });

  it("B's data is intact after the whole matrix", async () => {
    const bApi = await b.client.api();
    const s = await bApi.workspace.get({ id: bSession });
    expect(s).toMatchObject({ name: "secret", rev: 1, buffers: { "a.ts": "B's text" } });
    expect((await bApi.workspace.children({ id: bSession })).items.map((c) => c.id)).toEqual([
      bFork,
    ]);
    expect((await bApi.tenant.members()).map((m) => m.user.id).sort()).toEqual(
      [b.userId, bMember.userId].sort(),
    );
    expect((await bApi.auth.devices()).map((d) => d.tokenFamily)).toContain(bFamily);
  });
});
