/**
 * Property-based fuzzing of every procedure's input: whatever JSON arrives, the answer is
 * a result or a typed 4xx error — never INTERNAL_SERVER_ERROR — and the keyspace stays
 * consistent (checked when the harness closes).
 */
import { planDefaults } from "@hearth/db";
import { TRPCError } from "@trpc/server";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { appRouter } from "./routers/_app";
import { createHarness, type Harness, type SignedInClient } from "./testing/harness";

let h: Harness;
let admin: SignedInClient;
let sessionId = "";

const procedures = Object.keys(appRouter._def.procedures).sort();

beforeAll(async () => {
  h = await createHarness({ maxSessionBufferBytes: 256 * 1024 });
  admin = await h.register({ password: "fuzzing password" }, { ip: "10.0.0.1" });
});

afterAll(async () => {
  await h.close();
});

/** Values that have broken parsers before: prototype keys, NUL, huge and odd numbers. */
const nasty = fc.constantFrom<unknown>(
  "__proto__",
  "constructor",
  "toString",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "x\uDC00y",
  "../../etc/passwd",
  "/abs",
  "",
  " ",
  "a".repeat(5000),
  -1,
  0,
  1.5,
  2 ** 53,
  -(2 ** 53),
  1e308,
  Number.MAX_SAFE_INTEGER,
  true,
  null,
  [],
  {},
  JSON.parse('{"__proto__": {"polluted": true}}'),
);

const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: fc.constantFrom("Developer", "Viewer", "Admin", "single", "SESSION_ID") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
);

const editor = {
  layout: "split-vertical",
  activeTabIndex: 0,
  openTabs: [{ path: "a.ts", viewState: { cursor: [1, 2] }, language: "typescript" }],
};

/** A valid input per procedure; the fuzzer starts from it and breaks it in random ways. */
const VALID: Record<string, unknown> = {
  "auth.register": {
    email: "fuzz@example.com",
    password: "password123",
    firstName: "F",
    lastName: "Z",
  },
  "auth.login": { email: "fuzz@example.com", password: "password123" },
  "auth.refresh": {},
  "auth.logout": {},
  "auth.logoutAll": {},
  "auth.me": undefined,
  "auth.devices": undefined,
  "auth.revokeDevice": { tokenFamily: "01abcdefghijklmnopqrstuvwx" },
  "auth.changePassword": { currentPassword: "not the password", newPassword: "password456" },
  "auth.verifyEmail": { token: "A".repeat(43) },
  "auth.resendVerification": {},
  "auth.requestPasswordReset": { email: "someone@example.com" },
  "auth.resetPassword": { token: "A".repeat(43), newPassword: "password789" },
  "tenant.current": undefined,
  "tenant.update": { name: "Renamed", settings: { maxWorkspaces: 3, features: ["terminal"] } },
  "tenant.createOrganization": { name: "Org" },
  "tenant.switch": { tenantId: "01abcdefghijklmnopqrstuvwx" },
  "tenant.members": undefined,
  "tenant.invite": { email: "fuzz@example.com", role: "Viewer" },
  "tenant.invitations": undefined,
  "tenant.revokeInvitation": { id: "01abcdefghijklmnopqrstuvwx" },
  "tenant.setRole": { userId: "01abcdefghijklmnopqrstuvwx", role: "Viewer" },
  "tenant.workspaces": { limit: 5 },
  "auth.invitations": undefined,
  "auth.acceptInvitation": { id: "01abcdefghijklmnopqrstuvwx" },
  "auth.declineInvitation": { id: "01abcdefghijklmnopqrstuvwx" },
  "tenant.removeMember": { userId: "01abcdefghijklmnopqrstuvwx" },
  "tenant.delete": { confirmName: "not the name" },
  "workspace.create": { name: "w", path: "p/q", tags: ["t"] },
  "workspace.get": { id: "SESSION_ID" },
  "workspace.list": { limit: 5, cursor: null },
  "workspace.related": { tags: ["t"], limit: 5 },
  "workspace.children": { id: "SESSION_ID", limit: 5 },
  "workspace.fork": { id: "SESSION_ID", name: "fork" },
  "workspace.autosave": {
    id: "SESSION_ID",
    baseRev: "SESSION_REV",
    editor,
    terminal: { cwd: ".", commandHistory: ["ls"], environmentVars: { A: "1" }, scrollback: "$ " },
    debug: { breakpoints: [{ path: "a.ts", line: 1, enabled: true }], watchExpressions: ["x"] },
    memory: { facts: ["f"], decisions: [{ text: "d", at: "2026-01-01T00:00:00.000Z" }] },
    buffers: { "a.ts": "text", "b.ts": null },
  },
  "workspace.update": { id: "SESSION_ID", name: "n", tags: ["a", "b"] },
  "workspace.delete": { id: "SESSION_ID" },
  "workspace.share": { id: "SESSION_ID", userIds: ["01abcdefghijklmnopqrstuvwx"], tenant: true },
  "workspace.unshare": { id: "SESSION_ID", tenant: true },
  "workspace.sharedWithMe": { limit: 5, cursor: null },
  "audit.list": { limit: 5, action: "tenant.invited", actorUserId: "01abcdefghijklmnopqrstuvwx" },
  "terminal.attach": { workspaceId: "SESSION_ID", cols: 80, rows: 24 },
  "terminal.input": { terminalId: "0123456789abcdef", data: "ls\r" },
  "terminal.resize": { terminalId: "0123456789abcdef", cols: 100, rows: 30 },
  "terminal.list": { workspaceId: "SESSION_ID" },
  "terminal.create": { workspaceId: "SESSION_ID", name: "build", cols: 80, rows: 24 },
  "terminal.rename": { terminalId: "0123456789abcdef", name: "server" },
  "terminal.kill": { terminalId: "0123456789abcdef" },
  "fs.list": { workspaceId: "SESSION_ID", path: "" },
  "fs.read": { workspaceId: "SESSION_ID", path: "a.ts" },
  "fs.write": { workspaceId: "SESSION_ID", path: "a.ts", content: "text" },
  "fs.mkdir": { workspaceId: "SESSION_ID", path: "src/lib" },
  "fs.rename": { workspaceId: "SESSION_ID", from: "a.ts", to: "b.ts", overwrite: true },
  "fs.delete": { workspaceId: "SESSION_ID", path: "b.ts" },
  "fs.stat": { workspaceId: "SESSION_ID", path: "a.ts" },
  "fs.search": { workspaceId: "SESSION_ID", query: "a", limit: 5 },
  "fs.opened": { workspaceId: "SESSION_ID", path: "a.ts" },
  "fs.recent": { limit: 5, cursor: null },
  "settings.get": undefined,
  "auth.updateProfile": { firstName: "Ada", lastName: "King" },
  "tenant.usage": undefined,
  "settings.update": { theme: "light", editorFontSize: 16, wordWrap: "on" },
  "settings.reset": { key: "theme" },
  "settings.getDefaults": undefined,
  "settings.updateDefaults": { tabSize: 2, theme: null },
  "settings.changes": undefined,
};

/** Replaces, adds or deletes fields at any depth of a valid input. */
function mutated(valid: unknown): fc.Arbitrary<unknown> {
  if (valid === null || typeof valid !== "object") return fc.oneof(fc.constant(valid), value);
  if (Array.isArray(valid)) {
    return fc.oneof(
      fc.tuple(...valid.map((v) => mutated(v))),
      fc.array(value, { maxLength: 3 }),
    ) as fc.Arbitrary<unknown>;
  }
  const entries = Object.entries(valid as Record<string, unknown>);
  const fields = entries.map(([k, v]) =>
    fc
      .oneof(
        { weight: 4, arbitrary: fc.constant(v) },
        { weight: 2, arbitrary: mutated(v) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
      .map((x) => [k, x] as const),
  );
  const extra = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), nasty.map(String)), value, {
    maxKeys: 2,
  });
  return fc.tuple(fc.tuple(...fields), extra).map(([pairs, more]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(more)) define(out, k, v);
    for (const [k, v] of pairs) if (v !== undefined) define(out, k, v);
    return out;
  });
}

function define(target: Record<string, unknown>, key: string, v: unknown): void {
  // defineProperty, so a "__proto__" key stays a plain key, as JSON.parse would make it.
  Object.defineProperty(target, key, {
    value: v,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function inputFor(path: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: nasty },
    { weight: 1, arbitrary: fc.constant(VALID[path]) },
    { weight: 6, arbitrary: mutated(VALID[path]) },
  );
}

function fill(v: unknown, rev: number): unknown {
  if (v === "SESSION_ID") return sessionId;
  if (v === "SESSION_REV") return rev;
  if (Array.isArray(v)) return v.map((x) => fill(x, rev));
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) define(out, k, fill(x, rev));
    return out;
  }
  return v;
}

type AnyCaller = Record<string, Record<string, (input: unknown) => Promise<unknown>>>;

/**
 * Puts the world back between runs: the admin signed in, the tenant on roomy settings,
 * the target session present. Earlier inputs may have logged out, switched or deleted.
 */
async function reset(): Promise<{ caller: AnyCaller; rev: number }> {
  const me = await h.auth.authenticate(admin.client.accessToken);
  if (!me || me.tenantId !== admin.tenantId) {
    const c = h.client({ ip: "10.0.0.1" });
    const login = async () =>
      (await c.api()).auth.login({ email: admin.email, password: admin.password });
    // Fuzzed logins from this address or for this account may have used up its failures:
    // wait the window out on the test clock.
    const res = await login().catch(async (err: unknown) => {
      if (!(err instanceof TRPCError && err.code === "TOO_MANY_REQUESTS")) throw err;
      h.advance(Math.max(...Object.values(h.config.throttle).map((r) => r.windowMs)));
      return login();
    });
    admin.client.accessToken = res.accessToken;
    for (const [k, v] of c.cookies) admin.client.cookies.set(k, v);
  }
  await h.repos.tenants.update(admin.tenantId, { plan: "Pro", settings: planDefaults("Pro") });
  let meta = sessionId ? await h.repos.workspaceSessions.getMeta(admin.tenantId, sessionId) : null;
  if (!meta) {
    meta = await h.repos.workspaceSessions.create({
      tenantId: admin.tenantId,
      userId: admin.userId,
      name: "target",
      workspacePath: "target",
      tags: ["t"],
    });
    sessionId = meta.id;
  }
  return { caller: (await admin.client.api()) as unknown as AnyCaller, rev: meta.rev };
}

describe("fuzzing every procedure's input", () => {
  it("covers every procedure of the router", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(31);
    for (const p of procedures) expect(Object.hasOwn(VALID, p), p).toBe(true);
  });

  it.each(procedures)("%s answers only results or typed 4xx errors", async (path) => {
    const [ns, name] = path.split(".") as [string, string];
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(inputFor(path), fc.nat(255), fc.nat(3), async (raw, ipByte, who) => {
        const { caller: adminApi, rev } = await reset();
        // Mostly the admin; sometimes an anonymous browser from its own address.
        const caller =
          who === 0
            ? ((await h.client({ ip: `198.18.0.${ipByte}` }).api()) as unknown as AnyCaller)
            : adminApi;
        let outcome = "ok";
        try {
          await caller[ns]![name]!(fill(raw, rev));
        } catch (err) {
          const code = (err as { code?: string }).code;
          outcome = (err as Error).cause instanceof ZodError ? "invalid input" : String(code);
          expect(code, `${path}: ${String(err)}`).toBeDefined();
          expect(code, `${path}: ${String((err as Error).cause ?? err)}`).not.toBe(
            "INTERNAL_SERVER_ERROR",
          );
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 80 },
    );
    // The valid input is among the runs, so every procedure got past validation at least once.
    const past = [...outcomes]
      .filter(([k]) => k !== "invalid input")
      .reduce((n, [, c]) => n + c, 0);
    expect(past, JSON.stringify(Object.fromEntries(outcomes))).toBeGreaterThan(0);
    expect(h.loggedErrors).toEqual([]);
  });
});
