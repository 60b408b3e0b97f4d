import type { TerminalClient } from "./terminal";

/**
 * Reads a client's output as a person at the terminal would: everything so far, and
 * waiting until some text shows up. For tests.
 */
export class TerminalReader {
  text = "";
  exitCode: number | undefined;
  private waiters: Array<() => void> = [];

  constructor(client: TerminalClient, signal?: AbortSignal) {
    void (async () => {
      for await (const event of client.events(signal)) {
        if (event.type === "data") this.text += event.data;
        if (event.type === "exit") this.exitCode = event.code;
        for (const wake of this.waiters.splice(0)) wake();
      }
      for (const wake of this.waiters.splice(0)) wake();
    })();
  }

  /** Waits until the output (after `from`) matches, or fails after `timeoutMs`. */
  async waitFor(pattern: RegExp | string, opts?: { from?: number; timeoutMs?: number }) {
    const from = opts?.from ?? 0;
    const deadline = Date.now() + (opts?.timeoutMs ?? 10_000);
    const found = () => {
      const rest = this.text.slice(from);
      return typeof pattern === "string" ? rest.includes(pattern) : pattern.test(rest);
    };
    while (!found()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no ${String(pattern)} in terminal output: ${JSON.stringify(this.text.slice(-600))}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.min(left, 200));
      });
    }
  }

  async waitForExit(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.exitCode === undefined) {
      if (Date.now() > deadline) throw new Error("the terminal did not exit");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.exitCode;
  }
}

let marks = 0;

/**
 * Runs a command line in the terminal and resolves with what it printed and its exit
 * status (`input` sends the keys). The end is found by a marker the command line echoes,
 * split so that the echoed input itself never matches it.
 */
export async function run(
  reader: TerminalReader,
  input: (data: string) => void,
  command: string,
  timeoutMs = 10_000,
): Promise<{ output: string; status: number }> {
  const mark = `M${++marks}x${Date.now().toString(36)}`;
  const from = reader.text.length;
  input(`${command}; echo "<${mark}""-$?>"\r`);
  const done = new RegExp(`<${mark}-(\\d+)>`);
  await reader.waitFor(done, { from, timeoutMs });
  const rest = reader.text.slice(from);
  const m = done.exec(rest)!;
  return { output: rest.slice(0, m.index), status: Number(m[1]) };
}
