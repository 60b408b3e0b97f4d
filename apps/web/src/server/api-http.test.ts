/** Every procedure of Hearth's API over real HTTP, with mail through a loopback SMTP server. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browser,
  clientFor,
  expectCode,
  register,
  type SmtpListener,
  startApiServer,
  startSmtpListener,
  testClock,
} from "./api-test-helpers";
import type { TestServer } from "./testing";

let ts: TestServer;
let smtp: SmtpListener;
const clock = testClock();

beforeAll(async () => {
  smtp = await startSmtpListener();
  ts = await startApiServer({ clock: clock.now, smtpUrl: smtp.url });
});
afterAll(async () => {
  await ts?.stop();
  await smtp?.close();
});

describe("happy paths over HTTP", () => {
  it("auth: register, me, devices, verify, refresh, change password, reset, logout", async () => {
    const {
      b: tab,
      api,
      res: reg,
    } = await register(ts, {
      email: "ada@hearth.test",
      password: "analytical engine",
      firstName: "Ada",
      lastName: "Lovelace",
    });
    expect(reg.user.email).toBe("ada@hearth.test");
    expect(tab.cookie).toBeTruthy();

    const me = await api.auth.me.query();
    expect(me).toMatchObject({
      user: { id: reg.user.id },
      tenant: { id: reg.tenant.id },
      role: "Admin",
    });
    expect(await api.auth.devices.query()).toHaveLength(1);

    const verifyToken = await smtp.tokenFor("ada@hearth.test", "/verify-email");
    expect((await api.auth.verifyEmail.mutate({ token: verifyToken })).user.emailVerified).toBe(
      true,
    );
    expect(await api.auth.resendVerification.mutate({})).toEqual({ sent: false });

    const before = tab.cookie;
    const r = await api.auth.refresh.mutate({});
    expect(tab.cookie).not.toBe(before);
    tab.token = r.accessToken;

    const other = browser();
    const otherApi = clientFor(ts, other);
    other.token = (
      await otherApi.auth.login.mutate({ email: "ada@hearth.test", password: "analytical engine" })
    ).accessToken;
    const family = (await api.auth.devices.query()).find((d) => !d.current)!.tokenFamily;
    await api.auth.revokeDevice.mutate({ tokenFamily: family });
    await expectCode(otherApi.auth.me.query(), "UNAUTHORIZED");

    await api.auth.changePassword.mutate({
      currentPassword: "analytical engine",
      newPassword: "difference engine",
    });
    await api.auth.requestPasswordReset.mutate({ email: "ADA@hearth.test" });
    const resetToken = await smtp.tokenFor("ada@hearth.test", "/reset-password");
    await api.auth.resetPassword.mutate({ token: resetToken, newPassword: "jacquard loom" });
    await expectCode(api.auth.me.query(), "UNAUTHORIZED");

    const back = await api.auth.login.mutate({
      email: "ada@hearth.test",
      password: "jacquard loom",
    });
    tab.token = back.accessToken;
    expect(await api.auth.logout.mutate({})).toEqual({ ok: true });
    expect(tab.cookie).toBeNull();
    await expectCode(api.auth.me.query(), "UNAUTHORIZED");

    const again = await api.auth.login.mutate({
      email: "ada@hearth.test",
      password: "jacquard loom",
    });
    tab.token = again.accessToken;
    await api.auth.logoutAll.mutate({});
    await expectCode(api.auth.me.query(), "UNAUTHORIZED");
  });

  it("tenant and workspace: organizations, members, sessions, autosave and resume, audit", async () => {
    const { b: owner, api } = await register(ts, {
      email: "grace@hearth.test",
      password: "cobol cobol",
      firstName: "Grace",
      lastName: "Hopper",
    });
    const {
      b: alanTab,
      api: alan,
      res: reg,
    } = await register(ts, {
      email: "alan@hearth.test",
      password: "enigma enigma",
      firstName: "Alan",
      lastName: "Turing",
    });
    const alanToken = await smtp.tokenFor("alan@hearth.test", "/verify-email");
    await alan.auth.verifyEmail.mutate({ token: alanToken });

    const org = await api.tenant.createOrganization.mutate({ name: "Navy" });
    owner.token = (await api.tenant.switch.mutate({ tenantId: org.id })).accessToken;
    expect((await api.tenant.current.query()).id).toBe(org.id);
    expect((await api.tenant.update.mutate({ name: "US Navy" })).name).toBe("US Navy");
    // Members join by invitation: mailed, seen by the invitee, accepted.
    const invited = await api.tenant.invite.mutate({
      email: "alan@hearth.test",
      role: "Developer",
    });
    let mail = await smtp.nextMailTo("alan@hearth.test");
    while (!mail.subject.includes("invited")) mail = await smtp.nextMailTo("alan@hearth.test");
    expect(mail.subject).toBe("Grace Hopper invited you to US Navy on Hearth");
    expect((await api.tenant.invitations.query()).map((i) => i.id)).toEqual([invited.id]);
    expect((await alan.auth.invitations.query()).map((i) => i.tenant.name)).toEqual(["US Navy"]);
    expect(await alan.auth.acceptInvitation.mutate({ id: invited.id })).toMatchObject({
      tenant: { id: org.id },
      role: "Developer",
    });
    expect((await api.tenant.members.query()).length).toBe(2);
    alanTab.token = (await alan.tenant.switch.mutate({ tenantId: org.id })).accessToken;
    expect((await alan.tenant.current.query()).role).toBe("Developer");

    const s = await api.workspace.create.mutate({ name: "compiler", path: "a0", tags: ["cobol"] });
    const saved = await api.workspace.autosave.mutate({
      id: s.id,
      baseRev: 0,
      editor: {
        layout: "split-horizontal",
        activeTabIndex: 0,
        openTabs: [{ path: "main.cob", viewState: { scrollTop: 120 } }],
      },
      buffers: { "main.cob": "IDENTIFICATION DIVISION." },
    });
    expect(saved.rev).toBe(1);
    const got = await api.workspace.get.query({ id: s.id });
    expect(got.buffers).toEqual({ "main.cob": "IDENTIFICATION DIVISION." });
    expect(got.editor.openTabs[0]!.viewState).toEqual({ scrollTop: 120 });
    expect((await api.workspace.list.query({ limit: 10 })).items.map((i) => i.id)).toEqual([s.id]);
    expect((await api.workspace.related.query({ tags: ["cobol"] })).items).toHaveLength(1);
    const f = await api.workspace.fork.mutate({ id: s.id, name: "compiler 2" });
    expect((await api.workspace.children.query({ id: s.id })).items.map((c) => c.id)).toEqual([
      f.id,
    ]);
    expect((await api.workspace.update.mutate({ id: f.id, tags: ["fork"] })).tags).toEqual([
      "fork",
    ]);
    await api.workspace.delete.mutate({ id: f.id });

    await api.tenant.removeMember.mutate({ userId: reg.user.id });
    const audit = await api.audit.list.query({ limit: 50 });
    expect(audit.items.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        "tenant.member_removed",
        "workspace.deleted",
        "tenant.invited",
        "tenant.invitation_accepted",
      ]),
    );
    expect(audit.items[0]).toMatchObject({ ipAddress: "127.0.0.1", tenantId: org.id });
    await api.tenant.delete.mutate({ confirmName: "US Navy" });
    await expectCode(api.tenant.current.query(), "UNAUTHORIZED");
  });
});
