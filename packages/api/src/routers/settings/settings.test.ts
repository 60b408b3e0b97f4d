import { BUILT_IN_SETTINGS } from "@hearth/db";
import { describe, expect, it } from "vitest";
import {
  expectCode,
  registerMember,
  setPlan,
  switchTo,
  useHarness,
  verifyEmailOf,
} from "../../testing/harness";

const ctx = useHarness();

describe("settings", () => {
  it("get resolves each key with where it came from; update is partial", async () => {
    const api = await ctx.ada.client.api();
    const first = await api.settings.get();
    expect(first.values).toEqual(BUILT_IN_SETTINGS);
    expect(new Set(Object.values(first.sources))).toEqual(new Set(["builtIn"]));
    await api.settings.updateDefaults({ theme: "light", tabSize: 2 });
    await api.settings.update({ tabSize: 8 });
    const after = await api.settings.update({ wordWrap: "on" });
    expect(after.values).toMatchObject({
      theme: "light",
      tabSize: 8,
      wordWrap: "on",
      minimap: false,
    });
    expect(after.sources).toMatchObject({
      theme: "organization",
      tabSize: "user",
      wordWrap: "user",
      minimap: "builtIn",
    });
    expect(await api.settings.get()).toEqual(after);
  });

  it("refuses an out-of-range value or an unknown key with BAD_REQUEST naming it", async () => {
    const api = await ctx.ada.client.api();
    await api.settings.update({ editorFontSize: 18 });
    const big = await expectCode(api.settings.update({ editorFontSize: 400 }), "BAD_REQUEST");
    expect(big.message).toContain("editorFontSize");
    const odd = await expectCode(
      api.settings.update({ theme: "sepia" } as unknown as { theme: "dark" }),
      "BAD_REQUEST",
    );
    expect(odd.message).toContain("theme");
    await expectCode(api.settings.updateDefaults({ autosaveDelayMs: 5 }), "BAD_REQUEST");
    await expectCode(
      api.settings.update({ fontColour: "red" } as unknown as { theme: "dark" }),
      "BAD_REQUEST",
    );
    expect((await api.settings.get()).values.editorFontSize).toBe(18);
  });

  it("reset drops one key or all of the caller's values", async () => {
    const api = await ctx.ada.client.api();
    await api.settings.updateDefaults({ minimap: true });
    await api.settings.update({ minimap: false, terminalCursorStyle: "bar", tabSize: 3 });
    const one = await api.settings.reset({ key: "minimap" });
    expect(one.values).toMatchObject({ minimap: true, terminalCursorStyle: "bar", tabSize: 3 });
    expect(one.sources.minimap).toBe("organization");
    const all = await api.settings.reset({});
    expect(all.values).toEqual({ ...BUILT_IN_SETTINGS, minimap: true });
    await expectCode(
      api.settings.reset({ key: "nope" } as unknown as { key: "theme" }),
      "BAD_REQUEST",
    );
  });

  it("tenant defaults are for Admins: a Viewer and a Developer are FORBIDDEN", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Pro");
    const viewer = await registerMember(ctx.h, ctx.ada, "Viewer");
    const dev = await registerMember(ctx.h, ctx.ada, "Developer");
    for (const member of [viewer, dev]) {
      const api = await member.client.api();
      await expectCode(api.settings.getDefaults(), "FORBIDDEN");
      await expectCode(api.settings.updateDefaults({ theme: "light" }), "FORBIDDEN");
      // Their own values are theirs to set, whatever their role.
      expect((await api.settings.update({ theme: "highContrast" })).values.theme).toBe(
        "highContrast",
      );
    }
    const admin = await ctx.ada.client.api();
    const set = await admin.settings.updateDefaults({ terminalScrollback: 20_000, theme: "light" });
    expect(set).toMatchObject({
      values: { terminalScrollback: 20_000, theme: "light" },
      updatedByUserId: ctx.ada.userId,
    });
    expect(await admin.settings.getDefaults()).toEqual(set);
    // The viewer's own theme stays; the organization's scrollback reaches them.
    expect((await (await viewer.client.api()).settings.get()).values).toMatchObject({
      theme: "highContrast",
      terminalScrollback: 20_000,
    });
    const removed = await admin.settings.updateDefaults({ theme: null });
    expect(removed.values).toEqual({ terminalScrollback: 20_000 });
    const events = await admin.audit.list({});
    expect(events.items.map((e) => e.action)).toContain("settings.defaults_changed");
  });

  it("a person's own values follow them into another tenant; its defaults apply only there", async () => {
    await setPlan(ctx.h, ctx.ada.tenantId, "Pro");
    const bob = await ctx.h.register({ firstName: "Bob" });
    const home = bob.tenantId;
    await (await bob.client.api()).settings.update({ editorFontSize: 22 });
    await (await bob.client.api()).settings.updateDefaults({ theme: "highContrast" });
    await (await ctx.ada.client.api()).settings.updateDefaults({ theme: "light" });
    // Before Bob belongs to Ada's tenant, nothing of it can be read or set for him.
    await expectCode(switchTo(bob, ctx.ada.tenantId), "NOT_FOUND");

    await verifyEmailOf(ctx.h, bob);
    const { id } = await (await ctx.ada.client.api()).tenant.invite({
      email: bob.email,
      role: "Developer",
    });
    await (await bob.client.api()).auth.acceptInvitation({ id });
    await switchTo(bob, ctx.ada.tenantId);
    const there = await (await bob.client.api()).settings.get();
    expect(there.values).toMatchObject({ theme: "light", editorFontSize: 22 });
    expect(there.sources).toMatchObject({ theme: "organization", editorFontSize: "user" });
    // A value he sets there is his, at home too.
    await (await bob.client.api()).settings.update({ tabSize: 2 });
    await switchTo(bob, home);
    expect((await (await bob.client.api()).settings.get()).values).toMatchObject({
      theme: "highContrast",
      editorFontSize: 22,
      tabSize: 2,
    });
    expect((await (await ctx.ada.client.api()).settings.get()).values.editorFontSize).toBe(14);
  });

  it("an unauthenticated caller is UNAUTHORIZED", async () => {
    const anon = await ctx.h.client().api();
    await expectCode(anon.settings.get(), "UNAUTHORIZED");
    await expectCode(anon.settings.update({ tabSize: 2 }), "UNAUTHORIZED");
  });
});
