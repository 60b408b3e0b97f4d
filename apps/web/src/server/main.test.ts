import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bundle = path.join(appDir, "dist", "server.mjs");

describe("the production build", () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  let stdout = "";
  let url = "";
  let exit: Promise<number | null>;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(appDir, "scripts", "build-server.mjs")], {
      cwd: appDir,
      stdio: "pipe",
    });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-build-test-"));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      PORT: "0",
      HOST: "127.0.0.1",
      HEARTH_DATA_DIR: dataDir,
      NODE_ENV: "production",
    };
    const proc = spawn(process.execPath, [bundle], { cwd: dataDir, env, stdio: "pipe" });
    child = proc;
    exit = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
    let stderr = "";
    proc.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    url = await new Promise<string>((resolve, reject) => {
      proc.stdout?.on("data", (c: Buffer) => {
        stdout += c.toString();
        const m = /^hearth listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
        if (m) resolve(m[1]!);
      });
      proc.once("exit", (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGKILL");
      await exit;
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers the health check", async () => {
    const res = await fetch(`${url}/api/health`);
    expect(await res.json()).toEqual({ ok: true, store: "sqlite", version: expect.any(String) });
    expect(fs.existsSync(path.join(dataDir, "hearth.sqlite"))).toBe(true);
  });

  it("loads its native modules: registers a user (argon2, SQLite)", async () => {
    const res = await fetch(`${url}/api/trpc/auth.register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: "build@hearth.test",
        password: "a long enough password",
        firstName: "Build",
        lastName: "Test",
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { accessToken: string } } };
    expect(body.result.data.accessToken).toMatch(/^ey/);
    expect(res.headers.getSetCookie()[0]).toMatch(/^hearth_refresh=/);
  });

  it("exits 0 on SIGTERM after one plain ready line and JSON logs without the password", async () => {
    child?.kill("SIGTERM");
    expect(await exit).toBe(0);
    const lines = stdout.split("\n").filter(Boolean);
    const plain = lines.filter((l) => !l.startsWith("{"));
    expect(plain).toEqual([`hearth listening on ${url}`]);
    const logs = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    expect(logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(["listening", "request", "stopping", "stopped"]),
    );
    expect(stdout).not.toContain("a long enough password");
  });
});
