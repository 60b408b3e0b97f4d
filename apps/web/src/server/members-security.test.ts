/**
 * What another member of one's own tenant can and cannot do, over real HTTP against a
 * started server with a real SQLite file and mail through a loopback SMTP server: each
 * case replays an attack from issue 10 ("Members and sessions") and shows it fails.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRepositories } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  type clientFor,
  codeOf,
  expectCode,
  register,
  type SmtpListener,
  snapshot,
  startApiServer,
  startSmtpListener,
  testClock,
} from "./api-test-helpers";
import type { TestServer } from "./testing";

let ts: TestServer;
let smtp: SmtpListener;
const clock = testClock();
let n = 0;

beforeAll(async () => {
  smtp = await startSmtpListener();
  ts = await startApiServer({ clock: clock.now, smtpUrl: smtp.url });
});
afterAll(async () => {
  await ts?.stop();
  await smtp?.close();
});

type Api = ReturnType<typeof clientFor>;
interface Person {
  b: Browser;
  api: Api;
  email: string;
  userId: string;
  tenantId: string;
}

/** A registered user who confirmed their address, signed in to their own tenant. */
async function signUp(name: string): Promise<Person> {
  n++;
  const email = `${name.toLowerCase()}${n}@hearth.test`;
  const { b, api, res } = await register(ts, {
    email,
    password: "a good long password",
    firstName: name,
    lastName: "Test",
  });
  const token = await smtp.tokenFor(email, "/verify-email");
  await api.auth.verifyEmail.mutate({ token });
  return { b, api, email, userId: res.user.id, tenantId: res.tenant.id };
}

/** `admin`'s tenant on a roomy plan, as an operator would set it. */
async function roomy(admin: Person) {
  await createRepositories(ts.store).tenants.update(admin.tenantId, { plan: "Pro" });
}

/** A new member of `admin`'s tenant by invitation, signed in there. */
async function joinAs(admin: Person, role: "Admin" | "Developer" | "Manager" | "Viewer") {
  const m = await signUp(role);
  const { id } = await admin.api.tenant.invite.mutate({ email: m.email, role });
  await m.api.auth.acceptInvitation.mutate({ id });
  m.b.token = (await m.api.tenant.switch.mutate({ tenantId: admin.tenantId })).accessToken;
  return m;
}

/** A raw call, for bodies the typed client would not send or cannot name. */
function call(path: string, b: Browser, body?: unknown) {
  const headers: Record<string, string> = { "content-type": "application/json", origin: ts.url };
  if (b.token) headers.authorization = `Bearer ${b.token}`;
  return body === undefined
    ? fetch(`${ts.trpcUrl}/${path}`, { headers })
    : fetch(`${ts.trpcUrl}/${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

const secrets = {
  terminal: {
    cwd: "api",
    commandHistory: ["export GITHUB_TOKEN=ghp_live_secret", "deploy"],
    environmentVars: { GITHUB_TOKEN: "ghp_live_secret" },
  },
  buffers: { ".env": "STRIPE_KEY=sk_live_secret" },
};

describe("sessions are private to their owner", () => {
  it("a Viewer's workspace.get on a colleague's session is NOT_FOUND: no environment, history or buffers", async () => {
    const ada = await signUp("Ada");
    await roomy(ada);
    const viewer = await joinAs(ada, "Viewer");
    const s = await ada.api.workspace.create.mutate({ name: "deploy", path: "api" });
    await ada.api.workspace.autosave.mutate({ id: s.id, baseRev: 0, ...secrets });

    const res = await call(
      `workspace.get?input=${encodeURIComponent(JSON.stringify({ id: s.id }))}`,
      viewer.b,
    );
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).not.toContain("ghp_live_secret");
    expect(text).not.toContain("sk_live_secret");
    // The same answer as for an id that never existed.
    const none = await call(
      `workspace.get?input=${encodeURIComponent(JSON.stringify({ id: "01abcdefghjkmnpqrstvwxyz00" }))}`,
      viewer.b,
    );
    expect(text.replace(s.id, "X")).toBe(
      (await none.text()).replace("01abcdefghjkmnpqrstvwxyz00", "X"),
    );
    // Neither children nor sharedWithMe lead to it.
    await expectCode(viewer.api.workspace.children.query({ id: s.id }), "NOT_FOUND");
    expect((await viewer.api.workspace.sharedWithMe.query({})).items).toEqual([]);
  });

  it("a Developer cannot fork, save or rename a colleague's session, and nothing changes", async () => {
    const ada = await signUp("Ada");
    await roomy(ada);
    const dev = await joinAs(ada, "Developer");
    const s = await ada.api.workspace.create.mutate({ name: "deploy", path: "api" });
    await ada.api.workspace.autosave.mutate({ id: s.id, baseRev: 0, ...secrets });
    const before = await snapshot(ts);
    const editor = { layout: "single" as const, activeTabIndex: -1, openTabs: [] };
    // One call at a time: each refusal is awaited as it is made.
    for (const [name, attempt] of [
      ["fork", () => dev.api.workspace.fork.mutate({ id: s.id, name: "mine now" })],
      ["autosave", () => dev.api.workspace.autosave.mutate({ id: s.id, baseRev: 1, editor })],
      ["update", () => dev.api.workspace.update.mutate({ id: s.id, name: "x" })],
      ["delete", () => dev.api.workspace.delete.mutate({ id: s.id })],
      ["share", () => dev.api.workspace.share.mutate({ id: s.id, userIds: [dev.userId] })],
    ] as const) {
      expect(await codeOf(attempt()), name).toBe("NOT_FOUND");
    }
    expect(await snapshot(ts)).toBe(before);
  });

  it("a colleague's folder name is a folder of one's own: no one reaches another's files", async () => {
    const ada = await signUp("Ada");
    await roomy(ada);
    const dev = await joinAs(ada, "Developer");
    const hers = await ada.api.workspace.create.mutate({ name: "hers", path: "secret/app" });
    const mine = await dev.api.workspace.create.mutate({ name: "mine", path: "secret/app" });
    expect(mine.workspacePath).toBe(hers.workspacePath);
    const root = join(ts.dataDir, "workspaces", ada.tenantId);
    expect((await readdir(root)).sort()).toEqual([ada.userId, dev.userId].sort());
    expect(existsSync(join(root, ada.userId, "secret", "app"))).toBe(true);
    expect(existsSync(join(root, dev.userId, "secret", "app"))).toBe(true);
    // A path cannot climb out of one's own root either.
    for (const path of [`../${ada.userId}/secret`, "../../x", "/etc"]) {
      await expectCode(dev.api.workspace.create.mutate({ name: "x", path }), "BAD_REQUEST");
    }
  });

  it("creating a folder never follows a symlink planted in one's own root", async () => {
    const ada = await signUp("Ada");
    await roomy(ada);
    const dev = await joinAs(ada, "Developer");
    await ada.api.workspace.create.mutate({ name: "hers", path: "private" });
    await dev.api.workspace.create.mutate({ name: "mine", path: "proj" });
    // As a terminal in dev's folder could: links to Ada's folder and out of Hearth's data.
    const tenantRoot = join(ts.dataDir, "workspaces", ada.tenantId);
    const outside = await mkdtemp(join(tmpdir(), "hearth-outside-"));
    await symlink(
      join(tenantRoot, ada.userId, "private"),
      join(tenantRoot, dev.userId, "proj", "hers"),
    );
    await symlink(outside, join(tenantRoot, dev.userId, "out"));
    await mkdir(join(tenantRoot, dev.userId, "proj", "real"));
    for (const path of ["proj/hers", "proj/hers/planted", "out", "out/planted"]) {
      await expectCode(dev.api.workspace.create.mutate({ name: "x", path }), "BAD_REQUEST");
    }
    expect(await readdir(join(tenantRoot, ada.userId, "private"))).toEqual([]);
    expect(await readdir(outside)).toEqual([]);
    // A real folder on the way is fine.
    await dev.api.workspace.create.mutate({ name: "ok", path: "proj/real/sub" });
  });
});

describe("sharing over HTTP", () => {
  it("read-only for the members named, without the terminal's environment; unshare ends it on the next request", async () => {
    const ada = await signUp("Ada");
    await roomy(ada);
    const dev = await joinAs(ada, "Developer");
    const other = await joinAs(ada, "Manager");
    const s = await ada.api.workspace.create.mutate({ name: "deploy", path: "api" });
    await ada.api.workspace.autosave.mutate({ id: s.id, baseRev: 0, ...secrets });
    await ada.api.workspace.share.mutate({ id: s.id, userIds: [dev.userId] });

    const got = await dev.api.workspace.get.query({ id: s.id });
    expect(got.buffers).toEqual(secrets.buffers);
    expect(got.terminal.environmentVars).toEqual({});
    expect((await ada.api.workspace.get.query({ id: s.id })).terminal.environmentVars).toEqual(
      secrets.terminal.environmentVars,
    );
    expect((await dev.api.workspace.sharedWithMe.query({})).items.map((i) => i.id)).toEqual([s.id]);
    const editor = { layout: "single" as const, activeTabIndex: -1, openTabs: [] };
    await expectCode(
      dev.api.workspace.autosave.mutate({ id: s.id, baseRev: 1, editor }),
      "FORBIDDEN",
    );
    await expectCode(dev.api.workspace.fork.mutate({ id: s.id, name: "copy" }), "FORBIDDEN");
    // Not shared with the Manager.
    await expectCode(other.api.workspace.get.query({ id: s.id }), "NOT_FOUND");

    await ada.api.workspace.unshare.mutate({ id: s.id, userIds: [dev.userId] });
    await expectCode(dev.api.workspace.get.query({ id: s.id }), "NOT_FOUND");

    await ada.api.workspace.share.mutate({ id: s.id, tenant: true });
    expect((await other.api.workspace.get.query({ id: s.id })).name).toBe("deploy");
    expect((await dev.api.workspace.get.query({ id: s.id })).name).toBe("deploy");
  });

  it("Admins list session metadata and size and may delete, but read no contents", async () => {
    const ada = await signUp("Ada");
    await roomy(ada);
    const admin = await joinAs(ada, "Admin");
    const s = await ada.api.workspace.create.mutate({ name: "deploy", path: "api" });
    await ada.api.workspace.autosave.mutate({ id: s.id, baseRev: 0, ...secrets });
    const res = await call(`tenant.workspaces?input=${encodeURIComponent("{}")}`, admin.b);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("secret");
    const listing = await admin.api.tenant.workspaces.query({});
    expect(listing.items).toEqual([
      {
        id: s.id,
        name: "deploy",
        ownerUserId: ada.userId,
        lastActiveAt: expect.any(String),
        sizeBytes: expect.any(Number),
      },
    ]);
    expect(listing.items[0]!.sizeBytes).toBeGreaterThan(secrets.buffers[".env"].length);
    await expectCode(admin.api.workspace.get.query({ id: s.id }), "NOT_FOUND");
    await admin.api.workspace.delete.mutate({ id: s.id });
    await expectCode(ada.api.workspace.get.query({ id: s.id }), "NOT_FOUND");
  });
});

describe("members join by invitation", () => {
  it("addMember is gone, and invite answers alike whether or not an address has an account", async () => {
    const ada = await signUp("Ada");
    await roomy(ada);
    const stranger = await signUp("Stranger");
    const gone = await call("tenant.addMember", ada.b, { email: stranger.email, role: "Viewer" });
    expect(gone.status).toBe(404);
    const answer = async (email: string) => {
      const res = await call("tenant.invite", ada.b, { email, role: "Viewer" });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { result: { data: Record<string, unknown> } };
      // Ids, addresses and times differ by nature; nothing else may.
      return { ...body.result.data, id: "ID", email: "EMAIL", expiresAt: "T" };
    };
    expect(await answer(stranger.email)).toEqual(await answer("no-account@hearth.test"));
    // Nobody is a member until they accept.
    expect((await ada.api.tenant.members.query()).map((m) => m.user.id)).toEqual([ada.userId]);
    await expectCode(stranger.api.tenant.switch.mutate({ tenantId: ada.tenantId }), "NOT_FOUND");
    const mail = await smtp.nextMailTo(stranger.email);
    const invite = mail.subject.includes("invited") ? mail : await smtp.nextMailTo(stranger.email);
    expect(invite.subject).toContain("invited you to");
    const [inv] = await stranger.api.auth.invitations.query();
    await stranger.api.auth.declineInvitation.mutate({ id: inv!.id });
    expect((await ada.api.tenant.members.query()).map((m) => m.user.id)).toEqual([ada.userId]);
    const actions = (await ada.api.audit.list.query({ limit: 20 })).items.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(["tenant.invited", "tenant.invitation_declined"]),
    );
  });

  it("an account that never confirmed the invited address cannot take the invitation", async () => {
    const ada = await signUp("Ada");
    await roomy(ada);
    // Registered with someone else's address, never confirmed.
    const { api: impostor } = await register(ts, {
      email: "cfo@hearth.test",
      password: "a good long password",
      firstName: "Not",
      lastName: "TheCfo",
    });
    const { id } = await ada.api.tenant.invite.mutate({ email: "cfo@hearth.test", role: "Admin" });
    await expectCode(impostor.auth.acceptInvitation.mutate({ id }), "FORBIDDEN");
    await expectCode(impostor.auth.invitations.query(), "FORBIDDEN");
    expect((await ada.api.tenant.members.query()).map((m) => m.user.id)).toEqual([ada.userId]);
    expect((await ada.api.tenant.invitations.query()).map((i) => i.id)).toEqual([id]);
    await ada.api.tenant.revokeInvitation.mutate({ id });
    expect(await ada.api.tenant.invitations.query()).toEqual([]);
  });
});
