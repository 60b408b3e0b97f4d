import { AuthService, mailOff } from "@hearth/auth";
import { describe, expect, it } from "vitest";
import { createContextInner } from "../../context";
import {
  expectCode,
  ORIGIN,
  registerMember,
  type SignedInClient,
  setPlan,
  shapeOf,
  switchTo,
  useHarness,
  verifyEmailOf,
} from "../../testing/harness";
import { appRouter } from "../_app";
import { INVITES_PER_HOUR } from "./invite";

const ctx = useHarness({ ada: { firstName: "Ada", lastName: "Lovelace" } });

const DAY = 24 * 60 * 60 * 1000;

/** Signs the user in again (access tokens last minutes; these tests move days). */
async function signInAgain(user: SignedInClient) {
  const res = await (await ctx.h.client().api()).auth.login({
    email: user.email,
    password: user.password,
  });
  user.client.accessToken = res.accessToken;
}

/** A registered user who confirmed their email, signed in to their own tenant. */
async function confirmedUser(firstName = "Bob") {
  const u = await ctx.h.register({ firstName });
  await verifyEmailOf(ctx.h, u);
  return u;
}

describe("invitations", () => {
  it("invite answers alike whether or not the email has an account, and mails it", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const bob = await confirmedUser();
    const api = await ctx.ada.client.api();
    const known = await api.tenant.invite({ email: bob.email.toUpperCase(), role: "Developer" });
    const unknown = await api.tenant.invite({ email: "nobody@example.com", role: "Developer" });
    const shape = (r: typeof known) => ({ ...r, id: "ID", email: "EMAIL" });
    expect(shape(known)).toEqual(shape(unknown));
    expect(Object.keys(known).sort()).toEqual(["email", "expiresAt", "id", "role"]);
    expect(known.email).toBe(bob.email.toLowerCase());
    await ctx.h.auth.drain();
    for (const to of [bob.email.toLowerCase(), "nobody@example.com"]) {
      const mail = ctx.h.mails.find((m) => m.startsWith(`mail to ${to}:`) && m.includes("invited"));
      expect(mail).toContain("invited you to Ada Lovelace on Hearth");
      expect(mail).toContain("as Developer");
    }
    // Membership starts only on acceptance.
    expect((await api.tenant.members()).map((m) => m.user.id)).toEqual([ctx.ada.userId]);
    await expectCode(
      (await bob.client.api()).tenant.switch({ tenantId: ctx.ada.tenantId }),
      "NOT_FOUND",
    );

    const events = (await api.audit.list()).items.filter((e) => e.action === "tenant.invited");
    expect(events.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        { invitationId: unknown.id, email: "nobody@example.com", role: "Developer" },
        { invitationId: known.id, email: bob.email.toLowerCase(), role: "Developer" },
      ]),
    );
    expect(events).toHaveLength(2);
  });

  it("the invitee sees it, accepts, and is a member with the invited role", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const bob = await confirmedUser();
    const api = await ctx.ada.client.api();
    const inv = await api.tenant.invite({ email: bob.email, role: "Manager" });
    const b = await bob.client.api();
    expect(await b.auth.invitations()).toEqual([
      {
        id: inv.id,
        tenant: { id: ctx.ada.tenantId, name: "Ada Lovelace", type: "Self" },
        role: "Manager",
        invitedBy: { id: ctx.ada.userId, firstName: "Ada", lastName: "Lovelace" },
        at: expect.any(String),
        expiresAt: inv.expiresAt,
      },
    ]);
    const accepted = await b.auth.acceptInvitation({ id: inv.id });
    expect(accepted).toMatchObject({
      tenant: { id: ctx.ada.tenantId, name: "Ada Lovelace" },
      role: "Manager",
    });
    expect(await b.auth.invitations()).toEqual([]);
    // Accepting again (a retry) answers the same and changes nothing.
    expect(await b.auth.acceptInvitation({ id: inv.id })).toEqual(accepted);
    await switchTo(bob, ctx.ada.tenantId);
    expect((await (await bob.client.api()).tenant.current()).role).toBe("Manager");
    expect(await api.tenant.invitations()).toEqual([]);
    const accept = (await api.audit.list()).items.find(
      (e) => e.action === "tenant.invitation_accepted",
    );
    expect(accept).toMatchObject({
      actorUserId: bob.userId,
      detail: { invitationId: inv.id, userId: bob.userId, role: "Manager" },
    });
  });

  it("an address nobody confirmed sees, accepts and declines nothing", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const api = await ctx.ada.client.api();
    // Someone registers the address before its owner does, and never confirms it.
    const impostor = await ctx.h.register({ email: "victim@example.com" });
    const inv = await api.tenant.invite({ email: "victim@example.com", role: "Admin" });
    const i = await impostor.client.api();
    await expectCode(i.auth.invitations(), "FORBIDDEN");
    const err = await expectCode(i.auth.acceptInvitation({ id: inv.id }), "FORBIDDEN");
    expect(err.message).toMatch(/Confirm your email address/);
    await expectCode(i.auth.declineInvitation({ id: inv.id }), "FORBIDDEN");
    expect((await api.tenant.members()).map((m) => m.user.id)).toEqual([ctx.ada.userId]);
    expect((await api.tenant.invitations()).map((x) => x.id)).toEqual([inv.id]);
    // Once the address is confirmed, it is theirs.
    await verifyEmailOf(ctx.h, impostor);
    expect((await i.auth.invitations()).map((x) => x.id)).toEqual([inv.id]);
  });

  it("someone else's invitation is NOT_FOUND, like a missing one; nothing changes", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const bob = await confirmedUser("Bob");
    const eve = await confirmedUser("Eve");
    const api = await ctx.ada.client.api();
    const inv = await api.tenant.invite({ email: bob.email, role: "Developer" });
    const e = await eve.client.api();
    const missing = "01abcdefghjkmnpqrstvwxyz00";
    for (const id of [inv.id, missing]) {
      await expectCode(e.auth.acceptInvitation({ id }), "NOT_FOUND");
      await expectCode(e.auth.declineInvitation({ id }), "NOT_FOUND");
    }
    expect(await e.auth.invitations()).toEqual([]);
    expect((await (await bob.client.api()).auth.invitations()).map((x) => x.id)).toEqual([inv.id]);
    expect((await api.tenant.members()).map((m) => m.user.id)).toEqual([ctx.ada.userId]);
  });

  it("declining removes it and is audited; the invitee does not join", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const bob = await confirmedUser();
    const api = await ctx.ada.client.api();
    const inv = await api.tenant.invite({ email: bob.email, role: "Developer" });
    const b = await bob.client.api();
    expect(await b.auth.declineInvitation({ id: inv.id })).toEqual({ id: inv.id, declined: true });
    expect(await b.auth.invitations()).toEqual([]);
    expect(await api.tenant.invitations()).toEqual([]);
    await expectCode(b.auth.acceptInvitation({ id: inv.id }), "NOT_FOUND");
    expect((await api.tenant.members()).map((m) => m.user.id)).toEqual([ctx.ada.userId]);
    const declined = (await api.audit.list()).items.find(
      (x) => x.action === "tenant.invitation_declined",
    );
    expect(declined).toMatchObject({ actorUserId: bob.userId, detail: { invitationId: inv.id } });
  });

  it("an Admin lists and revokes; a revoked one cannot be accepted", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const bob = await confirmedUser();
    const api = await ctx.ada.client.api();
    const first = await api.tenant.invite({ email: bob.email, role: "Viewer" });
    const other = await api.tenant.invite({ email: "carol@example.com", role: "Developer" });
    // Inviting again replaces the open invitation (new role), never adds a second one.
    ctx.h.advance(1000);
    const inv = await api.tenant.invite({ email: bob.email, role: "Developer" });
    const list = await api.tenant.invitations();
    expect(list.map((x) => [x.email, x.role]).sort()).toEqual(
      [
        [bob.email.toLowerCase(), "Developer"],
        ["carol@example.com", "Developer"],
      ].sort(),
    );
    expect(list[0]).toMatchObject({
      invitedBy: { id: ctx.ada.userId, firstName: "Ada" },
      at: expect.any(String),
      expiresAt: expect.any(String),
    });
    await expectCode((await bob.client.api()).auth.acceptInvitation({ id: first.id }), "NOT_FOUND");

    expect(await api.tenant.revokeInvitation({ id: inv.id })).toEqual({
      id: inv.id,
      revoked: true,
    });
    await expectCode(api.tenant.revokeInvitation({ id: inv.id }), "NOT_FOUND");
    const b = await bob.client.api();
    expect(await b.auth.invitations()).toEqual([]);
    await expectCode(b.auth.acceptInvitation({ id: inv.id }), "NOT_FOUND");
    expect((await api.tenant.invitations()).map((x) => x.id)).toEqual([other.id]);
    expect((await api.tenant.members()).map((m) => m.user.id)).toEqual([ctx.ada.userId]);
    const revoked = (await api.audit.list()).items.find(
      (x) => x.action === "tenant.invitation_revoked",
    );
    expect(revoked).toMatchObject({
      actorUserId: ctx.ada.userId,
      detail: { invitationId: inv.id },
    });
  });

  it("an Admin of another tenant cannot see or revoke them", async () => {
    const api = await ctx.ada.client.api();
    const inv = await api.tenant.invite({ email: "carol@example.com", role: "Developer" });
    const mallory = await ctx.h.register();
    const m = await mallory.client.api();
    await expectCode(m.tenant.revokeInvitation({ id: inv.id }), "NOT_FOUND");
    expect(await m.tenant.invitations()).toEqual([]);
    expect((await api.tenant.invitations()).map((x) => x.id)).toEqual([inv.id]);
  });

  it("inviting a member is CONFLICT; an invitation expires after 14 days", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    const api = await ctx.ada.client.api();
    await expectCode(api.tenant.invite({ email: ctx.ada.email, role: "Viewer" }), "CONFLICT");
    const dev = await registerMember(ctx.h, ctx.ada, "Developer");
    await expectCode(api.tenant.invite({ email: dev.email, role: "Admin" }), "CONFLICT");
    expect((await (await dev.client.api()).tenant.current()).role).toBe("Developer");

    const bob = await confirmedUser();
    const inv = await api.tenant.invite({ email: bob.email, role: "Viewer" });
    ctx.h.advance(14 * DAY + 1000);
    await signInAgain(ctx.ada);
    await signInAgain(bob);
    const b = await bob.client.api();
    expect(await b.auth.invitations()).toEqual([]);
    await expectCode(b.auth.acceptInvitation({ id: inv.id }), "NOT_FOUND");
    const again = await ctx.ada.client.api();
    expect(await again.tenant.invitations()).toEqual([]);
    // Revoking an expired one clears it.
    expect(await again.tenant.revokeInvitation({ id: inv.id })).toEqual({
      id: inv.id,
      revoked: true,
    });
  });

  it("the plan's maxUsers is enforced when the invitation is accepted", async () => {
    // Registration starts on Free: one member, who is Ada.
    const bob = await confirmedUser();
    const api = await ctx.ada.client.api();
    const inv = await api.tenant.invite({ email: bob.email, role: "Developer" });
    const b = await bob.client.api();
    const err = await expectCode(b.auth.acceptInvitation({ id: inv.id }), "PRECONDITION_FAILED");
    expect(shapeOf(err).data).toMatchObject({ limit: "maxUsers", max: 1 });
    expect((await api.tenant.members()).map((m) => m.user.id)).toEqual([ctx.ada.userId]);
    // Still open: once the plan has room, the same invitation works.
    await setPlan(ctx.h, ctx.ada.tenantId, "Starter");
    expect((await b.auth.acceptInvitation({ id: inv.id })).role).toBe("Developer");
  });

  it(`an Admin sends at most ${INVITES_PER_HOUR} invitations an hour, counted before any work`, async () => {
    const api = await ctx.ada.client.api();
    const all = await Promise.allSettled(
      Array.from({ length: INVITES_PER_HOUR + 5 }, (_, i) =>
        api.tenant.invite({ email: `probe${i}@example.com`, role: "Viewer" }),
      ),
    );
    expect(all.filter((r) => r.status === "fulfilled")).toHaveLength(INVITES_PER_HOUR);
    const err = await expectCode(
      api.tenant.invite({ email: "one-more@example.com", role: "Viewer" }),
      "TOO_MANY_REQUESTS",
    );
    expect(shapeOf(err).data.retryAfterSeconds).toBeGreaterThan(0);
    expect(await api.tenant.invitations()).toHaveLength(INVITES_PER_HOUR);
    ctx.h.advance(3_600_000 + 1000);
    await signInAgain(ctx.ada);
    const later = await ctx.ada.client.api();
    await later.tenant.invite({ email: "next-hour@example.com", role: "Viewer" });
  });

  it("a server whose mail is off refuses to invite, and stores nothing", async () => {
    // The same store and signing key, through an AuthService whose mail is off.
    const auth = new AuthService({
      store: ctx.h.store,
      signer: ctx.h.auth.signer,
      mailer: mailOff,
      publicBaseUrl: ORIGIN,
      clock: ctx.h.clock,
    });
    const caller = appRouter.createCaller(
      createContextInner({
        store: ctx.h.store,
        auth,
        clock: ctx.h.clock,
        config: ctx.h.config,
        req: {
          ip: "203.0.113.7",
          userAgent: "vitest",
          authorization: `Bearer ${ctx.ada.client.accessToken}`,
          protocol: "http",
        },
        res: { setCookie() {}, setHeader() {} },
      }),
    );
    const err = await expectCode(
      caller.tenant.invite({ email: "someone@example.com", role: "Viewer" }),
      "PRECONDITION_FAILED",
    );
    expect(err.message).toMatch(/does not send mail/);
    expect(await (await ctx.ada.client.api()).tenant.invitations()).toEqual([]);
  });
});
