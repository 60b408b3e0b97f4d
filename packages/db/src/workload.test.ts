/**
 * A seeded randomized workload over every repository, through the fault-injecting
 * wrapper (10% not_committed before commit, 2% commit_unknown_result after it). Runs
 * eight callers at once so saves race and conflict. Afterwards the keyspace must be
 * consistent, no email may be held twice, and every acknowledged save must be there.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkConsistency } from "./consistency";
import { normalizeEmail, tenantKeys, unpackKey, WHOLE_KEYSPACE } from "./keyspace";
import type { User } from "./models/user";
import type { EditorState, WorkspaceSession } from "./models/workspace-session";
import { ConflictError, createRepositories, type DomainError, NotFoundError } from "./repos/index";
import { seededRandom, withFaults } from "./store/faults";
import { openSqliteStore } from "./store/sqlite";

const SEED = 20_261_129;
const PHASES = 10;
const OPS_PER_PHASE = 520;
const CALLERS = 8;
const TAGS = ["api", "web", "cli", "docs", "infra"];
const PATHS = ["src/a.ts", "src/b.ts", "README.md", "notes/todo.md"];

interface PartState<T> {
  rev: number;
  value: T;
}

interface SessionModel {
  id: string;
  tenantId: string;
  userId: string;
  /** Highest rev an acknowledged save returned. */
  rev: number;
  deleted: boolean;
  parts: Record<"editor" | "terminal" | "debug" | "memory", PartState<unknown>>;
  buffers: Map<string, PartState<string | null>>;
}

interface UserModel {
  user: User;
  email: string;
  deleted: boolean;
  /** Tenants the user belongs to (home first). */
  tenants: string[];
  families: Array<{ tenantId: string; sessionId: string }>;
}

describe("randomized workload through injected faults", () => {
  it("stays consistent and keeps every acknowledged save", async () => {
    const rand = seededRandom(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const chance = (p: number) => rand() < p;
    const text = (n: number) => {
      let s = "";
      while (s.length < n) s += `${Math.floor(rand() * 1e9).toString(36)} ✓ `;
      return s.slice(0, n);
    };

    const base = openSqliteStore({ filename: ":memory:" });
    const store = withFaults(base, { seed: SEED, notCommitted: 0.1, commitUnknown: 0.02 });
    const repos = createRepositories(store);

    const users: UserModel[] = [];
    const sessions: SessionModel[] = [];
    const orgs: Array<{ id: string; deleted: boolean }> = [];
    const tokens: Array<{ hash: string; consumed: number }> = [];
    const throttleHits = new Map<string, number>();
    const counts = new Map<string, number>();
    const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
    let emailSeq = 0;

    const liveUsers = () => users.filter((u) => !u.deleted);
    const liveSessions = () => sessions.filter((s) => !s.deleted);
    const editor = (line: number): EditorState => ({
      layout: pick(["single", "split-horizontal", "split-vertical"] as const),
      activeTabIndex: 0,
      openTabs: [{ path: pick(PATHS), viewState: { line, col: Math.floor(rand() * 80) } }],
    });

    /** Expected refusals are fine; anything else (a StoreError, a bug) fails the run. */
    const expected = (
      err: unknown,
      ...types: Array<abstract new (...a: never[]) => DomainError>
    ) => {
      if (types.some((t) => err instanceof t)) return;
      throw err;
    };

    const register = async () => {
      const existing = liveUsers();
      const reuse = existing.length > 0 && chance(0.15);
      const email = reuse
        ? pick(existing).email.toUpperCase()
        : `user${++emailSeq}.${SEED}@Example.com`;
      try {
        const { user, tenant } = await repos.users.createWithTenant({
          email,
          passwordHash: "$argon2id$x",
          firstName: "W",
          lastName: String(emailSeq),
          plan: "Enterprise",
        });
        // A reused email can still succeed when its holder moved away from it meanwhile.
        users.push({ user, email, deleted: false, tenants: [tenant.id], families: [] });
        count("register");
      } catch (err) {
        expect(err).toBeInstanceOf(ConflictError);
        expect(reuse).toBe(true);
        count("register_conflict");
      }
    };

    const changeEmail = async () => {
      const u = pick(liveUsers());
      const taken = chance(0.3) ? pick(liveUsers()) : undefined;
      const email = taken && taken !== u ? taken.email : `moved${++emailSeq}.${SEED}@example.com`;
      try {
        await repos.users.update(u.user.id, { email });
        u.email = email;
        count("change_email");
      } catch (err) {
        expected(err, ConflictError, NotFoundError);
        count("change_email_refused");
      }
    };

    const createOrg = async () => {
      const owner = pick(liveUsers());
      const org = await repos.tenants.create({
        name: "org",
        plan: "Enterprise",
        owner: { userId: owner.user.id },
      });
      orgs.push({ id: org.id, deleted: false });
      owner.tenants.push(org.id);
      count("create_org");
    };

    const addMember = async () => {
      const org = pick(orgs.filter((o) => !o.deleted));
      const u = pick(liveUsers());
      if (!org) return;
      try {
        await repos.users.addMembership(
          org.id,
          u.user.id,
          pick(["Developer", "Viewer", "Manager"] as const),
        );
      } catch (err) {
        // Demoting the organization's last Admin is refused.
        if (!isLastAdminRefusal(err)) throw err;
        count("last_admin_kept");
        return;
      }
      if (!u.tenants.includes(org.id)) u.tenants.push(org.id);
      count("add_member");
    };

    const removeMember = async () => {
      const u = pick(liveUsers());
      const t = u.tenants.slice(1);
      if (t.length === 0) return;
      const tenantId = pick(t);
      try {
        await repos.users.removeMembership(tenantId, u.user.id);
      } catch (err) {
        // The organization's last Admin stays (checked in the removal's transaction).
        if (!isLastAdminRefusal(err)) throw err;
        count("last_admin_kept");
        return;
      }
      u.tenants = u.tenants.filter((x) => x !== tenantId);
      count("remove_member");
    };

    const createSession = async () => {
      const u = pick(liveUsers());
      const tenantId = pick(u.tenants);
      const buffers: Record<string, string> = chance(0.5) ? { [pick(PATHS)]: text(200) } : {};
      let s: WorkspaceSession;
      try {
        s = await repos.workspaceSessions.create({
          tenantId,
          userId: u.user.id,
          name: "ws",
          workspacePath: pick(["alpha", "beta"]),
          tags: TAGS.filter(() => chance(0.3)),
          editor: editor(1),
          buffers,
        });
      } catch (err) {
        // Another caller removed this membership while the create was in flight.
        if (!(await repos.users.getMembership(tenantId, u.user.id))) {
          return expected(err, NotFoundError);
        }
        throw err;
      }
      sessions.push(modelOf(s));
      count("create_session");
    };

    const modelOf = (s: WorkspaceSession): SessionModel => ({
      id: s.id,
      tenantId: s.tenantId,
      userId: s.userId,
      rev: s.rev,
      deleted: false,
      parts: {
        editor: { rev: s.rev, value: s.editor },
        terminal: { rev: s.rev, value: s.terminal },
        debug: { rev: s.rev, value: s.debug },
        memory: { rev: s.rev, value: s.memory },
      },
      buffers: new Map(Object.entries(s.buffers).map(([p, v]) => [p, { rev: s.rev, value: v }])),
    });

    const save = async () => {
      const s = pick(liveSessions());
      if (!s) return;
      const stale = s.rev > 0 && chance(0.05);
      const baseRev = stale ? s.rev - 1 : s.rev;
      const patch: Parameters<typeof repos.workspaceSessions.save>[2] = { baseRev };
      if (chance(0.8)) patch.editor = editor(Math.floor(rand() * 5000));
      if (chance(0.2)) {
        patch.terminal = {
          cwd: `/w/${text(5)}`,
          commandHistory: [text(10)],
          environmentVars: { K: text(4) },
          ...(chance(0.5) ? { scrollback: text(chance(0.1) ? 120_000 : 500) } : {}),
        };
      }
      if (chance(0.1))
        patch.debug = {
          breakpoints: [{ path: pick(PATHS), line: 3, enabled: true }],
          watchExpressions: [],
        };
      if (chance(0.1)) patch.memory = { facts: [text(20)], decisions: [] };
      if (chance(0.25)) {
        patch.buffers = { [pick(PATHS)]: chance(0.2) ? null : text(chance(0.05) ? 150_000 : 300) };
      }
      try {
        const { rev } = await repos.workspaceSessions.save(s.tenantId, s.id, patch);
        expect(stale).toBe(false);
        s.rev = Math.max(s.rev, rev);
        for (const part of ["editor", "terminal", "debug", "memory"] as const) {
          if (patch[part] && s.parts[part].rev < rev) s.parts[part] = { rev, value: patch[part] };
        }
        for (const [path, value] of Object.entries(patch.buffers ?? {})) {
          if ((s.buffers.get(path)?.rev ?? -1) < rev) s.buffers.set(path, { rev, value });
        }
        count("save");
      } catch (err) {
        expected(err, ConflictError, NotFoundError);
        if (err instanceof ConflictError) {
          expect(err.currentRev).toBeGreaterThanOrEqual(baseRev + 1);
          s.rev = Math.max(s.rev, err.currentRev!);
        }
        count("save_refused");
      }
    };

    const readBack = async () => {
      const s = pick(liveSessions());
      if (!s) return;
      // What was acknowledged before the read: a save acknowledged with the same commit
      // group as the read may reach the model before this caller resumes.
      const acknowledged = s.rev;
      const got = await repos.workspaceSessions.getById(s.tenantId, s.id);
      if (got) expect(got.rev).toBeGreaterThanOrEqual(acknowledged);
      count("get");
    };

    const list = async () => {
      const s = pick(liveSessions());
      if (!s) return;
      const page = await repos.workspaceSessions.listRecentByUser(s.tenantId, s.userId, {
        limit: 5,
      });
      const times = page.items.map((m) => m.lastActiveAt);
      expect([...times].sort().reverse()).toEqual(times);
      expect(page.items.every((m) => m.userId === s.userId)).toBe(true);
      const tags = [pick(TAGS), pick(TAGS)];
      const related = await repos.workspaceSessions.listRelated(s.tenantId, s.userId, tags, {
        limit: 5,
      });
      expect(related.every((m) => m.tags.some((t) => tags.includes(t)))).toBe(true);
      count("list");
    };

    const fork = async () => {
      const s = pick(liveSessions());
      if (!s) return;
      try {
        const f = await repos.workspaceSessions.fork(s.tenantId, s.id, { name: "fork" });
        sessions.push(modelOf(f));
        count("fork");
      } catch (err) {
        expected(err, NotFoundError);
      }
    };

    const retag = async () => {
      const s = pick(liveSessions());
      if (!s) return;
      try {
        await repos.workspaceSessions.updateMeta(s.tenantId, s.id, {
          name: text(8),
          tags: TAGS.filter(() => chance(0.3)),
        });
        count("update_meta");
      } catch (err) {
        expected(err, NotFoundError);
      }
    };

    const deleteSession = async () => {
      const s = pick(liveSessions());
      if (!s) return;
      s.deleted = true;
      await repos.workspaceSessions.delete(s.tenantId, s.id);
      count("delete_session");
    };

    const signIn = async () => {
      const u = pick(liveUsers());
      const tenantId = pick(u.tenants);
      try {
        const a = await repos.authSessions.create({
          tenantId,
          userId: u.user.id,
          refreshTokenHash: text(16),
          expiresAt: "2030-01-01T00:00:00.000Z",
          refreshExpiresAt: "2030-01-01T00:00:00.000Z",
        });
        u.families.push({ tenantId, sessionId: a.id });
        count("sign_in");
      } catch (err) {
        expected(err, NotFoundError);
      }
    };

    const refresh = async () => {
      const u = pick(liveUsers().filter((x) => x.families.length > 0));
      if (!u) return;
      const fam = pick(u.families);
      try {
        const { current } = await repos.authSessions.rotate(fam.sessionId, {
          refreshTokenHash: text(16),
          expiresAt: "2030-01-01T00:00:00.000Z",
          refreshExpiresAt: "2030-01-01T00:00:00.000Z",
        });
        fam.sessionId = current.id;
        count("rotate");
      } catch (err) {
        expected(err, ConflictError, NotFoundError);
        count("rotate_refused");
      }
    };

    const logout = async () => {
      const u = pick(liveUsers().filter((x) => x.families.length > 0));
      if (!u) return;
      if (chance(0.5)) {
        const fam = pick(u.families);
        const s = await repos.authSessions.getById(fam.sessionId);
        if (s) await repos.authSessions.invalidateFamily(s.tenantId, s.tokenFamily);
      } else {
        await repos.authSessions.invalidateAllForUser(u.user.id);
      }
      count("logout");
    };

    const touch = async () => {
      const u = pick(liveUsers().filter((x) => x.families.length > 0));
      if (!u) return;
      try {
        await repos.authSessions.touch(pick(u.families).sessionId);
        count("touch");
      } catch (err) {
        expected(err, NotFoundError);
      }
    };

    const audit = async () => {
      const u = pick(liveUsers());
      const tenantId = pick(u.tenants);
      try {
        await repos.audit.append({ tenantId, action: "auth.login", actorUserId: u.user.id });
        if (chance(0.3)) await repos.audit.list(tenantId, { limit: 10 });
        count("audit");
      } catch (err) {
        expected(err, NotFoundError);
      }
    };

    const emailToken = async () => {
      const u = pick(liveUsers());
      if (chance(0.5) || tokens.length === 0) {
        const hash = createHash("sha256").update(text(12)).digest("hex");
        await repos.emailTokens.create({
          tokenHash: hash,
          purpose: "verify",
          userId: u.user.id,
          tenantId: u.user.tenantId,
          expiresAt: "2030-01-01T00:00:00.000Z",
        });
        tokens.push({ hash, consumed: 0 });
      } else {
        const t = pick(tokens);
        if (await repos.emailTokens.consume(t.hash, "verify")) t.consumed++;
      }
      count("email_token");
    };

    const throttle = async () => {
      const key = pick(["1.2.3.4", "5.6.7.8", "9.9.9.9"]);
      await repos.throttle.hit("login", key, 3_600_000, 1_900_000_000_000);
      throttleHits.set(key, (throttleHits.get(key) ?? 0) + 1);
      count("throttle");
    };

    const ops: Array<[number, () => Promise<void>]> = [
      [5, register],
      [2, changeEmail],
      [1, createOrg],
      [2, addMember],
      [1, removeMember],
      [8, createSession],
      [36, save],
      [5, readBack],
      [4, list],
      [2, fork],
      [3, retag],
      [2, deleteSession],
      [5, signIn],
      [6, refresh],
      [2, logout],
      [3, touch],
      [4, audit],
      [3, emailToken],
      [3, throttle],
    ];
    const totalWeight = ops.reduce((n, [w]) => n + w, 0);
    const chooseOp = () => {
      let r = rand() * totalWeight;
      for (const [w, op] of ops) {
        r -= w;
        if (r < 0) return op;
      }
      return ops[0]![1];
    };

    for (let i = 0; i < 10; i++) await register();
    await createOrg();

    let done = 0;
    for (let phase = 0; phase < PHASES; phase++) {
      let left = OPS_PER_PHASE;
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          while (left > 0) {
            left--;
            await chooseOp()();
            done++;
          }
        }),
      );
      // Deletes of whole users and tenants run alone, between phases.
      if (phase % 3 === 2) {
        const victim = pick(liveUsers());
        await repos.users.delete(victim.user.id);
        victim.deleted = true;
        for (const s of sessions) {
          if (s.userId === victim.user.id && victim.tenants.includes(s.tenantId)) s.deleted = true;
        }
        for (const u of users) u.tenants = u.tenants.filter((t) => t !== victim.user.tenantId);
        count("delete_user");
        const org = orgs.find((o) => !o.deleted);
        if (org) {
          await repos.tenants.delete(org.id);
          org.deleted = true;
          for (const s of sessions) if (s.tenantId === org.id) s.deleted = true;
          for (const u of users) u.tenants = u.tenants.filter((t) => t !== org.id);
          count("delete_tenant");
        }
        await createOrg();
      }
    }
    expect(done).toBeGreaterThanOrEqual(5000);
    expect(store.counts.notCommitted).toBeGreaterThan(100);
    expect(store.counts.commitUnknown).toBeGreaterThan(20);
    expect(counts.get("save")).toBeGreaterThan(1000);
    expect(counts.get("save_refused")).toBeGreaterThan(0);
    expect(counts.get("register_conflict")).toBeGreaterThan(0);

    // 1. The keyspace is consistent.
    expect(await checkConsistency(base)).toEqual([]);

    // 2. No email is held by two users; every registered, undeleted user has its email.
    const rows = await base.transact((tx) => tx.getRange(WHOLE_KEYSPACE.begin, WHOLE_KEYSPACE.end));
    const emails = new Map<string, string>();
    for (const row of rows) {
      const items = unpackKey(row.key);
      if (items[1] !== "users" || items.length !== 3) continue;
      const user = JSON.parse(row.value.toString()) as User;
      const email = normalizeEmail(user.email);
      expect(emails.get(email), `email ${email} held twice`).toBeUndefined();
      emails.set(email, user.id);
    }
    for (const u of users) {
      if (u.deleted) expect(await repos.users.getById(u.user.id)).toBeNull();
      else expect(emails.get(normalizeEmail(u.email))).toBe(u.user.id);
    }

    // 3. Every acknowledged save is there: each part as the highest-rev save that wrote it.
    let checked = 0;
    for (const s of sessions) {
      const got = await repos.workspaceSessions.getById(s.tenantId, s.id);
      if (s.deleted) {
        expect(got).toBeNull();
        continue;
      }
      expect(got, `session ${s.id}`).not.toBeNull();
      expect(got!.rev).toBe(s.rev);
      for (const part of ["editor", "terminal", "debug", "memory"] as const) {
        expect(got![part]).toEqual(s.parts[part].value);
      }
      const expectedBuffers: Record<string, string> = {};
      for (const [path, { value }] of s.buffers) if (value !== null) expectedBuffers[path] = value;
      expect(got!.buffers).toEqual(expectedBuffers);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);

    // 4. Single-use tokens were used at most once; throttle counts match acknowledged hits.
    expect(tokens.every((t) => t.consumed <= 1)).toBe(true);
    for (const [key, hits] of throttleHits) {
      expect((await repos.throttle.peek("login", key, 1_900_000_000_000)).count).toBe(hits);
    }
    // Nothing is left under deleted tenants.
    for (const org of orgs.filter((o) => o.deleted)) {
      const r = tenantKeys(org.id).root.range();
      expect(await base.transact((tx) => tx.getRange(r.begin, r.end, { limit: 1 }))).toEqual([]);
    }
    await base.close();
  }, 60_000);
});

function isLastAdminRefusal(err: unknown): boolean {
  return err instanceof ConflictError && err.message === "A tenant needs at least one Admin.";
}
