import { describe, expect, it } from "vitest";
import { checkConsistency } from "../consistency";
import { tenantKeys } from "../keyspace";
import { createWorkspaceSession, registerUser, useTestStore } from "./testing";
import { terminalStateChunkKey } from "./workspace-terminal-repository";

const ctx = useTestStore();

const state = (cwd: string, scrollback = "$ ") => ({
  cwd,
  commandHistory: ["ls", "make"],
  environmentVars: { A: "1" },
  scrollback,
});

describe("WorkspaceTerminalRepository", () => {
  it("saves the terminals of a session and reads them back, in order, with the active one", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const s = await createWorkspaceSession(ctx.repos, tenant.id, user.id);
    expect(await ctx.repos.workspaceTerminals.get(tenant.id, s.id)).toEqual({
      activeId: null,
      terminals: [],
    });
    await ctx.repos.workspaceTerminals.save(tenant.id, s.id, {
      activeId: "b",
      terminals: [
        { id: "a", name: "build", state: state("src") },
        { id: "b", name: "server", state: state(".", "\x1b[31mred\x1b[0m") },
      ],
    });
    const got = await ctx.repos.workspaceTerminals.get(tenant.id, s.id);
    expect(got?.activeId).toBe("b");
    expect(got?.terminals.map((t) => [t.id, t.name, t.cwd, t.scrollback])).toEqual([
      ["a", "build", "src", "$ "],
      ["b", "server", ".", "\x1b[31mred\x1b[0m"],
    ]);
    expect(got?.terminals[0]?.commandHistory).toEqual(["ls", "make"]);
  });

  it("never moves the session's rev, so an editor's autosave based on it still lands", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const s = await createWorkspaceSession(ctx.repos, tenant.id, user.id);
    const saved = await ctx.repos.workspaceSessions.save(tenant.id, s.id, {
      baseRev: 0,
      debug: { breakpoints: [], watchExpressions: ["x"] },
    });
    for (let i = 0; i < 3; i++) {
      await ctx.repos.workspaceTerminals.save(tenant.id, s.id, {
        activeId: "a",
        terminals: [{ id: "a", name: "t", state: state(`d${i}`) }],
      });
    }
    const next = await ctx.repos.workspaceSessions.save(tenant.id, s.id, {
      baseRev: saved.rev,
      memory: { facts: ["kept"], decisions: [] },
    });
    expect(next.rev).toBe(saved.rev + 1);
    const session = await ctx.repos.workspaceSessions.getById(tenant.id, s.id);
    // Neither side wrote the other's part.
    expect(session?.terminal.cwd).toBe(".");
    expect(session?.debug.watchExpressions).toEqual(["x"]);
    expect((await ctx.repos.workspaceTerminals.get(tenant.id, s.id))?.terminals[0]?.cwd).toBe("d2");
  });

  it("keeps a terminal's state when saved without one, shrinks its chunks, and drops terminals left out", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const s = await createWorkspaceSession(ctx.repos, tenant.id, user.id);
    const big = "x".repeat(250_000);
    await ctx.repos.workspaceTerminals.save(tenant.id, s.id, {
      activeId: "a",
      terminals: [
        { id: "a", name: "one", state: state(".", big) },
        { id: "b", name: "two", state: state("b", big) },
      ],
    });
    await ctx.repos.workspaceTerminals.save(tenant.id, s.id, {
      activeId: "a",
      terminals: [{ id: "a", name: "renamed" }],
    });
    let got = await ctx.repos.workspaceTerminals.get(tenant.id, s.id);
    expect(got?.terminals.map((t) => [t.name, t.scrollback?.length])).toEqual([
      ["renamed", big.length],
    ]);
    await ctx.repos.workspaceTerminals.save(tenant.id, s.id, {
      activeId: "a",
      terminals: [{ id: "a", name: "renamed", state: state(".", "small") }],
    });
    got = await ctx.repos.workspaceTerminals.get(tenant.id, s.id);
    expect(got?.terminals[0]?.scrollback).toBe("small");
    const keys = tenantKeys(tenant.id);
    await ctx.store.transact(async (tx) => {
      expect(await tx.get(terminalStateChunkKey(keys, s.id, "a", 1))).toBeUndefined();
      expect(await tx.get(terminalStateChunkKey(keys, s.id, "b", 0))).toBeUndefined();
    });
    expect(await checkConsistency(ctx.store)).toEqual([]);
  });

  it("writes nothing for a session that is gone, and the session's delete takes its terminals", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const s = await createWorkspaceSession(ctx.repos, tenant.id, user.id);
    await ctx.repos.workspaceTerminals.save(tenant.id, s.id, {
      activeId: "a",
      terminals: [{ id: "a", name: "t", state: state(".") }],
    });
    await ctx.repos.workspaceSessions.delete(tenant.id, s.id);
    expect(await ctx.repos.workspaceTerminals.get(tenant.id, s.id)).toBeNull();
    expect(
      await ctx.repos.workspaceTerminals.save(tenant.id, s.id, {
        activeId: null,
        terminals: [{ id: "a", name: "t", state: state(".") }],
      }),
    ).toBe(false);
  });

  it("is reported by checkConsistency when a listed terminal lost a chunk", async () => {
    const { user, tenant } = await registerUser(ctx.repos);
    const s = await createWorkspaceSession(ctx.repos, tenant.id, user.id);
    await ctx.repos.workspaceTerminals.save(tenant.id, s.id, {
      activeId: "a",
      terminals: [{ id: "a", name: "t", state: state(".", "y".repeat(200_000)) }],
    });
    const keys = tenantKeys(tenant.id);
    await ctx.store.transact(async (tx) => tx.clear(terminalStateChunkKey(keys, s.id, "a", 1)));
    const problems = await checkConsistency(ctx.store);
    expect(problems.map((p) => p.kind)).toEqual(["chunks_not_contiguous"]);
    await ctx.repos.workspaceTerminals.save(tenant.id, s.id, { activeId: null, terminals: [] });
  });
});
