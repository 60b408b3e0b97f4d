import { describe, expect, it } from "vitest";
import { checkConsistency } from "../consistency";
import { tenantKeys } from "../keyspace";
import { BUILT_IN_SETTINGS } from "../models/setting";
import { NotFoundError, ValidationError } from "./errors";
import { encodeJson } from "./internal";
import { errorOf, registerUser, useTestStore } from "./testing";

const ctx = useTestStore();

/** Ada with her home tenant, and an organization she and Bob are members of. */
async function team() {
  const ada = await registerUser(ctx.repos);
  const bob = await registerUser(ctx.repos);
  const org = await ctx.repos.tenants.create({
    name: "Org",
    plan: "Pro",
    owner: { userId: ada.user.id },
  });
  await ctx.repos.users.addMembership(org.id, bob.user.id, "Developer");
  return { ada, bob, org };
}

describe("SettingRepository", () => {
  it("resolves each key: the person's value, else the organization's default, else built in", async () => {
    const { ada, org } = await team();
    const settings = ctx.repos.settings;
    expect(await settings.resolved(org.id, ada.user.id)).toMatchObject({
      values: BUILT_IN_SETTINGS,
      sources: { theme: "builtIn", editorFontSize: "builtIn" },
    });
    await settings.updateDefaults(
      org.id,
      { theme: "light", editorFontSize: 16 },
      { updatedByUserId: ada.user.id },
    );
    const mine = await settings.update(org.id, ada.user.id, { editorFontSize: 20 });
    expect(mine.values).toMatchObject({ theme: "light", editorFontSize: 20, tabSize: 4 });
    expect(mine.sources).toMatchObject({
      theme: "organization",
      editorFontSize: "user",
      tabSize: "builtIn",
    });
    // Her own value follows her home; the organization's default applies only in it.
    const home = await settings.resolved(ada.tenant.id, ada.user.id);
    expect(home.values).toMatchObject({ theme: "dark", editorFontSize: 20 });
    expect(home.sources).toMatchObject({ theme: "builtIn", editorFontSize: "user" });
  });

  it("a partial update keeps the other values; reset drops one key or all of them", async () => {
    const { ada } = await team();
    const t = ada.tenant.id;
    const settings = ctx.repos.settings;
    await settings.update(t, ada.user.id, { tabSize: 2, minimap: true });
    await settings.update(t, ada.user.id, { wordWrap: "on" });
    expect((await settings.resolved(t, ada.user.id)).values).toMatchObject({
      tabSize: 2,
      minimap: true,
      wordWrap: "on",
    });
    const one = await settings.reset(t, ada.user.id, ["tabSize"]);
    expect(one.values).toMatchObject({ tabSize: 4, minimap: true });
    expect(one.sources.tabSize).toBe("builtIn");
    const all = await settings.reset(t, ada.user.id);
    expect(all.values).toEqual(BUILT_IN_SETTINGS);
    expect(await ctx.store.transact((tx) => tx.get(tenantKeys(t).userSettings(ada.user.id)))).toBe(
      undefined,
    );
  });

  it("refuses values out of range, naming the field, and changes nothing", async () => {
    const { ada } = await team();
    const t = ada.tenant.id;
    await ctx.repos.settings.update(t, ada.user.id, { editorFontSize: 18 });
    const err = await errorOf(ctx.repos.settings.update(t, ada.user.id, { editorFontSize: 400 }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^editorFontSize: /);
    expect(
      await errorOf(
        ctx.repos.settings.update(t, ada.user.id, { colour: "red" } as unknown as object),
      ),
    ).toBeInstanceOf(ValidationError);
    expect(
      await errorOf(
        ctx.repos.settings.updateDefaults(t, { theme: "sepia" } as unknown as object, {
          updatedByUserId: ada.user.id,
        }),
      ),
    ).toBeInstanceOf(ValidationError);
    expect((await ctx.repos.settings.resolved(t, ada.user.id)).values.editorFontSize).toBe(18);
  });

  it("a tenant the person is not a member of is not found", async () => {
    const { bob, ada } = await team();
    const err = await errorOf(ctx.repos.settings.resolved(ada.tenant.id, bob.user.id));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(
      await errorOf(ctx.repos.settings.update(ada.tenant.id, bob.user.id, { tabSize: 2 })),
    ).toBeInstanceOf(NotFoundError);
    expect(
      await errorOf(
        ctx.repos.settings.updateDefaults(
          "no-such-tenant",
          { tabSize: 2 },
          {
            updatedByUserId: ada.user.id,
          },
        ),
      ),
    ).toBeInstanceOf(NotFoundError);
  });

  it("null removes an organization default; who set them and when is kept", async () => {
    const { ada, org } = await team();
    const now = new Date("2026-12-01T10:00:00.000Z");
    await ctx.repos.settings.updateDefaults(
      org.id,
      { theme: "highContrast", terminalScrollback: 20_000 },
      { updatedByUserId: ada.user.id },
    );
    const after = await ctx.repos.settings.updateDefaults(
      org.id,
      { theme: null },
      { updatedByUserId: ada.user.id, now },
    );
    expect(after).toEqual({
      values: { terminalScrollback: 20_000 },
      updatedAt: now.toISOString(),
      updatedByUserId: ada.user.id,
    });
    expect(await ctx.repos.settings.defaults(ada.tenant.id)).toEqual({
      values: {},
      updatedAt: null,
      updatedByUserId: null,
    });
  });

  it("deleting a person deletes their settings; deleting a tenant its defaults", async () => {
    const { ada, bob, org } = await team();
    await ctx.repos.settings.update(bob.tenant.id, bob.user.id, { tabSize: 8 });
    await ctx.repos.settings.updateDefaults(
      org.id,
      { tabSize: 2 },
      { updatedByUserId: ada.user.id },
    );
    await ctx.repos.users.delete(bob.user.id);
    await ctx.repos.tenants.delete(org.id);
    const left = await ctx.store.transact(async (tx) => [
      await tx.get(tenantKeys(bob.tenant.id).userSettings(bob.user.id)),
      await tx.get(tenantKeys(org.id).settingsDefaults()),
    ]);
    expect(left).toEqual([undefined, undefined]);
  });

  it("checkConsistency reports settings of no user here, and records that do not parse", async () => {
    const { ada, bob } = await team();
    const keys = tenantKeys(ada.tenant.id);
    await ctx.store.transact(async (tx) => {
      tx.set(
        keys.userSettings(bob.user.id),
        encodeJson({ values: {}, updatedAt: new Date().toISOString() }),
      );
      tx.set(keys.settingsDefaults(), encodeJson({ values: { tabSize: 99 } }));
    });
    const kinds = (await checkConsistency(ctx.store)).map((p) => p.kind).sort();
    expect(kinds).toEqual(["index_without_record", "invalid_record"]);
    await ctx.store.transact(async (tx) => {
      tx.clear(keys.userSettings(bob.user.id));
      tx.clear(keys.settingsDefaults());
    });
  });
});
