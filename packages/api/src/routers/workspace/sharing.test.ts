import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotFoundError } from "@hearth/db";
import { describe, expect, it } from "vitest";
import { ForbiddenError } from "../../errors";
import { expectCode, registerMember, setPlan, switchTo, useHarness } from "../../testing/harness";
import { requireWorkspaceAccess, workspaceFolder } from "./access";

const ctx = useHarness({ ada: { firstName: "Ada", lastName: "Owner" } });

const editor = { layout: "single" as const, activeTabIndex: -1, openTabs: [] };
const terminal = {
  cwd: "src",
  commandHistory: ["export GITHUB_TOKEN=ghp_secret", "npm test"],
  environmentVars: { GITHUB_TOKEN: "ghp_secret" },
};

/** Ada's tenant on a roomy plan with a session holding secrets, and one member of `role`. */
async function adaWithSecretsAnd(role: "Admin" | "Developer" | "Manager" | "Viewer") {
  await setPlan(ctx.h, ctx.ada.tenantId, "Pro");
  const ada = await ctx.ada.client.api();
  const s = await ada.workspace.create({ name: "secret", path: "app", tags: ["t"] });
  await ada.workspace.autosave({ id: s.id, baseRev: 0, terminal, buffers: { ".env": "KEY=1" } });
  const member = await registerMember(ctx.h, ctx.ada, role);
  return { ada, s, member, api: await member.client.api() };
}

describe("sessions are private to their owner", () => {
  for (const role of ["Admin", "Developer", "Manager", "Viewer"] as const) {
    it(`a ${role} gets NOT_FOUND for a colleague's unshared session, as for a missing one`, async () => {
      const { s, api } = await adaWithSecretsAnd(role);
      const missing = "01abcdefghjkmnpqrstvwxyz00";
      for (const id of [s.id, missing]) {
        await expectCode(api.workspace.get({ id }), "NOT_FOUND");
        await expectCode(api.workspace.children({ id }), "NOT_FOUND");
        await expectCode(api.workspace.update({ id, name: "x" }), "NOT_FOUND");
        await expectCode(api.workspace.share({ id, tenant: true }), "NOT_FOUND");
        await expectCode(api.workspace.unshare({ id, tenant: true }), "NOT_FOUND");
        if (role !== "Viewer") {
          await expectCode(api.workspace.fork({ id, name: "copy" }), "NOT_FOUND");
          await expectCode(api.workspace.autosave({ id, baseRev: 1, editor }), "NOT_FOUND");
        }
      }
      const a = await expectCode(api.workspace.get({ id: s.id }), "NOT_FOUND");
      const b = await expectCode(api.workspace.get({ id: missing }), "NOT_FOUND");
      expect(a.message.replace(s.id, "X")).toBe(b.message.replace(missing, "X"));
      expect((await api.workspace.sharedWithMe()).items).toEqual([]);
      // Nothing changed: Ada's session is as she left it, and has no fork.
      const got = await (await ctx.ada.client.api()).workspace.get({ id: s.id });
      expect(got).toMatchObject({ rev: 1, name: "secret", buffers: { ".env": "KEY=1" } });
      expect((await (await ctx.ada.client.api()).workspace.children({ id: s.id })).items).toEqual(
        [],
      );
    });
  }

  it("the access check that other routers call says the same", async () => {
    const { s, member } = await adaWithSecretsAnd("Developer");
    const h = ctx.h;
    const callerOf = (userId: string, role: "Admin" | "Developer") => ({
      repos: h.repos,
      config: h.config,
      user: { id: userId, tenantId: ctx.ada.tenantId, role } as never,
    });
    const dev = callerOf(member.userId, "Developer");
    const owner = callerOf(ctx.ada.userId, "Admin");
    for (const need of ["read", "write", "owner"] as const) {
      await expect(requireWorkspaceAccess(dev, s.id, need)).rejects.toBeInstanceOf(NotFoundError);
      expect((await requireWorkspaceAccess(owner, s.id, need)).isOwner).toBe(true);
    }
    const { folder } = await workspaceFolder(owner, s.id, "write");
    expect(folder).toBe(join(h.config.workspacesDir, ctx.ada.tenantId, ctx.ada.userId, "app"));
    await (await ctx.ada.client.api()).workspace.share({ id: s.id, userIds: [member.userId] });
    const shared = await workspaceFolder(dev, s.id, "read");
    expect(shared).toMatchObject({ folder, isOwner: false });
    for (const need of ["write", "owner"] as const) {
      await expect(requireWorkspaceAccess(dev, s.id, need)).rejects.toBeInstanceOf(ForbiddenError);
    }
  });
});

describe("sharing", () => {
  it("shared with a member: read-only, without the terminal's environment; unshare ends it on the next request", async () => {
    const { ada, s, member, api } = await adaWithSecretsAnd("Developer");
    const shared = await ada.workspace.share({ id: s.id, userIds: [member.userId] });
    expect(shared).toEqual({ id: s.id, userIds: [member.userId], tenant: false });

    const got = await api.workspace.get({ id: s.id });
    expect(got.buffers).toEqual({ ".env": "KEY=1" });
    expect(got.terminal.cwd).toBe("src");
    expect(got.terminal.environmentVars).toEqual({});
    expect(JSON.stringify(got.terminal.environmentVars)).not.toContain("ghp_secret");
    // The owner still sees them.
    expect((await ada.workspace.get({ id: s.id })).terminal.environmentVars).toEqual({
      GITHUB_TOKEN: "ghp_secret",
    });
    // Read-only: no save, update, fork, share or unshare.
    await expectCode(api.workspace.autosave({ id: s.id, baseRev: 1, editor }), "FORBIDDEN");
    await expectCode(api.workspace.update({ id: s.id, name: "mine" }), "FORBIDDEN");
    await expectCode(api.workspace.fork({ id: s.id, name: "copy" }), "FORBIDDEN");
    await expectCode(api.workspace.delete({ id: s.id }), "FORBIDDEN");
    await expectCode(api.workspace.share({ id: s.id, tenant: true }), "FORBIDDEN");
    await expectCode(api.workspace.unshare({ id: s.id, userIds: [member.userId] }), "FORBIDDEN");
    expect((await api.workspace.sharedWithMe()).items.map((i) => i.id)).toEqual([s.id]);

    expect(await ada.workspace.unshare({ id: s.id, userIds: [member.userId] })).toEqual({
      id: s.id,
      userIds: [],
      tenant: false,
    });
    await expectCode(api.workspace.get({ id: s.id }), "NOT_FOUND");
    expect((await api.workspace.sharedWithMe()).items).toEqual([]);
    expect((await ada.workspace.get({ id: s.id })).rev).toBe(1);
  });

  it("shared with the whole tenant: every member reads it, members who join later too", async () => {
    const { ada, s, api } = await adaWithSecretsAnd("Viewer");
    await ada.workspace.share({ id: s.id, tenant: true });
    expect((await api.workspace.get({ id: s.id })).terminal.environmentVars).toEqual({});
    const later = await registerMember(ctx.h, ctx.ada, "Manager");
    const l = await later.client.api();
    expect((await l.workspace.get({ id: s.id })).buffers).toEqual({ ".env": "KEY=1" });
    expect((await l.workspace.sharedWithMe()).items.map((i) => i.id)).toEqual([s.id]);
    // Ada's own listing of what is shared with her does not list her own session.
    expect((await ada.workspace.sharedWithMe()).items).toEqual([]);
    await ada.workspace.unshare({ id: s.id, tenant: true });
    await expectCode(l.workspace.get({ id: s.id }), "NOT_FOUND");
    await expectCode(api.workspace.get({ id: s.id }), "NOT_FOUND");
  });

  it("only members of the tenant can be named; a share needs someone to share with", async () => {
    const { ada, s } = await adaWithSecretsAnd("Developer");
    const stranger = await ctx.h.register();
    await expectCode(ada.workspace.share({ id: s.id, userIds: [stranger.userId] }), "NOT_FOUND");
    await expectCode(ada.workspace.share({ id: s.id }), "BAD_REQUEST");
    await expectCode(ada.workspace.share({ id: s.id, userIds: [] }), "BAD_REQUEST");
    expect(await ctx.h.repos.workspaceShares.sharesOf(ctx.ada.tenantId, s.id)).toEqual({
      userIds: [],
      tenant: false,
    });
  });

  it("sharedWithMe lists others' sessions newest first, by name and by tenant, in pages", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Pro");
    const ada = await ctx.ada.client.api();
    const reader = await registerMember(ctx.h, ctx.ada, "Viewer");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ctx.h.advance(2000);
      const s = await ada.workspace.create({ name: `s${i}`, path: `p${i}` });
      if (i % 2 === 0) await ada.workspace.share({ id: s.id, userIds: [reader.userId] });
      else await ada.workspace.share({ id: s.id, tenant: true });
      ids.push(s.id);
    }
    // The oldest becomes the most recently active.
    ctx.h.advance(2000);
    await ada.workspace.autosave({ id: ids[0]!, baseRev: 0, editor });
    const expected = [ids[0], ids[4], ids[3], ids[2], ids[1]];
    const r = await reader.client.api();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } =
        await r.workspace.sharedWithMe({ limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
    await expectCode(r.workspace.sharedWithMe({ cursor: "not a cursor!" }), "BAD_REQUEST");
  });

  it("a removed member invited back does not get the old shares back", async () => {
    const { ada, s, member, api } = await adaWithSecretsAnd("Developer");
    await ada.workspace.share({ id: s.id, userIds: [member.userId] });
    expect((await api.workspace.get({ id: s.id })).id).toBe(s.id);
    await ada.tenant.removeMember({ userId: member.userId });
    const { id } = await ada.tenant.invite({ email: member.email, role: "Developer" });
    // Their sign-in to Ada's tenant ended with the membership: they sign in again.
    const login = await (await member.client.api()).auth.login({
      email: member.email,
      password: member.password,
    });
    member.client.accessToken = login.accessToken;
    await (await member.client.api()).auth.acceptInvitation({ id });
    await switchTo(member, ctx.ada.tenantId);
    const back = await member.client.api();
    await expectCode(back.workspace.get({ id: s.id }), "NOT_FOUND");
    expect((await back.workspace.sharedWithMe()).items).toEqual([]);
    expect(await ada.workspace.unshare({ id: s.id, tenant: true })).toMatchObject({ userIds: [] });
  });

  it("deleting a shared session ends its shares", async () => {
    const { ada, s, member, api } = await adaWithSecretsAnd("Developer");
    await ada.workspace.share({ id: s.id, userIds: [member.userId], tenant: true });
    await ada.workspace.delete({ id: s.id });
    expect((await api.workspace.sharedWithMe()).items).toEqual([]);
    // The harness checks after each test that no share record or index entry is left.
  });

  it("children lists only the forks the caller may read", async () => {
    const { ada, s, member, api } = await adaWithSecretsAnd("Developer");
    const fork = await ada.workspace.fork({ id: s.id, name: "private fork" });
    const open = await ada.workspace.fork({ id: s.id, name: "shared fork" });
    await ada.workspace.share({ id: s.id, userIds: [member.userId] });
    await ada.workspace.share({ id: open.id, userIds: [member.userId] });
    expect((await api.workspace.children({ id: s.id })).items.map((i) => i.id)).toEqual([open.id]);
    expect((await ada.workspace.children({ id: s.id })).items.map((i) => i.id).sort()).toEqual(
      [fork.id, open.id].sort(),
    );
  });
});

describe("Admins see metadata, not contents", () => {
  it("lists every session with owner, activity and size, deletes any, reads none unshared", async () => {
    const { s, member, api: admin } = await adaWithSecretsAnd("Admin");
    const dev = await registerMember(ctx.h, ctx.ada, "Developer");
    const d = await dev.client.api();
    const theirs = await d.workspace.create({ name: "dev's", path: "app" });
    const listing = await admin.tenant.workspaces();
    expect(listing.nextCursor).toBeNull();
    const byId = new Map(listing.items.map((i) => [i.id, i]));
    expect(byId.get(s.id)).toMatchObject({
      name: "secret",
      ownerUserId: ctx.ada.userId,
      lastActiveAt: expect.any(String),
    });
    expect(byId.get(theirs.id)).toMatchObject({ name: "dev's", ownerUserId: dev.userId });
    // The session with a buffer and a terminal stores more than an empty one.
    expect(byId.get(s.id)!.sizeBytes).toBeGreaterThan(byId.get(theirs.id)!.sizeBytes + 5);
    expect(Object.keys(byId.get(s.id)!).sort()).toEqual(
      ["id", "lastActiveAt", "name", "ownerUserId", "sizeBytes"].sort(),
    );
    expect(JSON.stringify(listing)).not.toContain("KEY=1");
    expect(JSON.stringify(listing)).not.toContain("ghp_secret");

    await expectCode(admin.workspace.get({ id: theirs.id }), "NOT_FOUND");
    await expectCode(admin.workspace.fork({ id: theirs.id, name: "x" }), "NOT_FOUND");
    expect(await admin.workspace.delete({ id: theirs.id })).toEqual({
      id: theirs.id,
      deleted: true,
    });
    await expectCode(d.workspace.get({ id: theirs.id }), "NOT_FOUND");
    // Non-Admins cannot list the tenant's sessions.
    await expectCode(d.tenant.workspaces(), "FORBIDDEN");
    expect((await admin.tenant.workspaces()).items.map((i) => i.id)).toEqual([s.id]);
    expect(member.userId).not.toBe(dev.userId);
  });
});

describe("folders live under each member's own root", () => {
  it("the same folder name is a different folder for each member", async () => {
    const { ada, member, api } = await adaWithSecretsAnd("Developer");
    const mine = await api.workspace.create({ name: "mine", path: "app" });
    expect(mine.workspacePath).toBe("app");
    const tenantRoot = join(ctx.h.config.workspacesDir, ctx.ada.tenantId);
    expect((await readdir(tenantRoot)).sort()).toEqual([ctx.ada.userId, member.userId].sort());
    expect(existsSync(join(tenantRoot, member.userId, "app"))).toBe(true);
    expect(existsSync(join(tenantRoot, ctx.ada.userId, "app"))).toBe(true);
    expect((await ada.workspace.list()).items.map((i) => i.userId)).toEqual([ctx.ada.userId]);
  });

  it("creating a folder never follows a symlink on the way, inside or out of the root", async () => {
    const api = await ctx.ada.client.api();
    await api.workspace.create({ name: "p", path: "proj" });
    const root = join(ctx.h.config.workspacesDir, ctx.ada.tenantId, ctx.ada.userId);
    const outside = await mkdtemp(join(tmpdir(), "hearth-outside-"));
    await symlink(outside, join(root, "proj", "out"));
    await mkdir(join(root, "other"));
    await symlink(join(root, "other"), join(root, "proj", "in"));
    for (const path of ["proj/out", "proj/out/sub", "proj/in/sub"]) {
      await expectCode(api.workspace.create({ name: "x", path }), "BAD_REQUEST");
    }
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(join(root, "other"))).toEqual([]);
    expect((await api.workspace.list()).items).toHaveLength(1);
  });
});

describe("roles on shared sessions", () => {
  it("a Viewer reads what is shared with it but cannot create, fork, save, update or delete", async () => {
    const { ada, s, member, api: v } = await adaWithSecretsAnd("Viewer");
    await ada.workspace.share({ id: s.id, userIds: [member.userId] });
    expect((await v.workspace.get({ id: s.id })).id).toBe(s.id);
    expect((await v.workspace.children({ id: s.id })).items).toEqual([]);
    await expectCode(v.workspace.create({ name: "v", path: "v" }), "FORBIDDEN");
    await expectCode(v.workspace.fork({ id: s.id, name: "v" }), "FORBIDDEN");
    await expectCode(v.workspace.autosave({ id: s.id, baseRev: 1, editor }), "FORBIDDEN");
    await expectCode(
      v.workspace.autosave({ id: s.id, baseRev: 1, buffers: { a: "b" } }),
      "FORBIDDEN",
    );
    await expectCode(v.workspace.update({ id: s.id, name: "v" }), "FORBIDDEN");
    await expectCode(v.workspace.delete({ id: s.id }), "FORBIDDEN");
    expect((await ada.workspace.get({ id: s.id })).rev).toBe(1);
  });
});
