/**
 * The operator's commands for the embedded store (see README, "Operating it"):
 *
 *   pnpm backup <file>                      online backup, while the server runs
 *   pnpm restore <file> [--force]           into a stopped server's data directory
 *   pnpm export-tenant <file> <tenantId>…   a tenant as JSON lines
 *   pnpm import-tenant <file>               into this server's store, ids kept
 *
 * Each works on HEARTH_DATA_DIR (default ./.data), or on `--data-dir <dir>`.
 */
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { pathToFileURL } from "node:url";
import {
  backupSqlite,
  exportTenants,
  importPairs,
  openSqliteSnapshot,
  openSqliteStore,
  readExport,
  restoreSqlite,
} from "@hearth/db";
import { checkSqliteFile, sqliteFile } from "./store-checks";

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage:
  backup <file> [--data-dir <dir>]
  restore <file> [--data-dir <dir>] [--force]
  export-tenant <file> <tenantId>... [--data-dir <dir>]
  import-tenant <file> [--data-dir <dir>]`;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Runs one command; answers the exit code. */
export async function runOpsCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliOutput,
): Promise<number> {
  const args = [...argv];
  let dataDir = env.HEARTH_DATA_DIR || "./.data";
  const at = args.indexOf("--data-dir");
  if (at !== -1) {
    dataDir = args[at + 1] ?? "";
    args.splice(at, 2);
  }
  const force = args.includes("--force");
  const [command, file, ...rest] = args.filter((a) => a !== "--force");
  if ((env.HEARTH_STORE || "sqlite") !== "sqlite") {
    io.err("these commands work on the embedded store; FoundationDB has fdbbackup");
    return 2;
  }
  if (!command || !file || !dataDir) {
    io.err(USAGE);
    return 2;
  }
  try {
    switch (command) {
      case "backup": {
        const source = sqliteFile(dataDir);
        if (!fs.existsSync(source)) throw new Error(`no store at ${source}`);
        const result = await backupSqlite(source, file);
        const check = await checkSqliteFile(result.file);
        io.out(
          `backup: ${result.file}, ${mib(result.bytes)} (${result.pages} pages) in ` +
            `${Math.round(result.ms)} ms; integrity ${check.integrity}, consistency ` +
            `${check.consistency.length === 0 ? "clean" : `${check.consistency.length} problems`}`,
        );
        return check.integrity === "ok" && check.consistency.length === 0 ? 0 : 1;
      }
      case "restore": {
        const target = restoreSqlite(file, dataDir, { force });
        io.out(`restore: ${file} is now ${target}; start the server on ${path.resolve(dataDir)}`);
        return 0;
      }
      case "export-tenant": {
        if (rest.length === 0) {
          io.err(USAGE);
          return 2;
        }
        const reader = openSqliteSnapshot(sqliteFile(dataDir));
        const stream = fs.createWriteStream(file);
        try {
          const summary = await exportTenants(reader, rest, (line) => {
            if (!stream.write(`${line}\n`)) {
              return new Promise<void>((resolve) => stream.once("drain", () => resolve()));
            }
          });
          await new Promise<void>((resolve, reject) =>
            stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
          );
          io.out(
            `export-tenant: ${summary.tenants.join(", ")}: ${summary.pairs} keys, ` +
              `${mib(summary.bytes)}, to ${file}`,
          );
        } catch (err) {
          stream.destroy();
          fs.rmSync(file, { force: true });
          throw err;
        } finally {
          reader.close();
        }
        return 0;
      }
      case "import-tenant": {
        const lines = readline.createInterface({ input: fs.createReadStream(file) });
        const exported = await readExport(lines);
        const store = openSqliteStore({ filename: sqliteFile(dataDir) });
        try {
          const summary = await importPairs(store, exported);
          io.out(
            `import-tenant: ${exported.tenants.join(", ")}: ${summary.pairs} keys in ` +
              `${summary.transactions} transactions, into ${sqliteFile(dataDir)}` +
              (summary.resumed ? " (finished an import of this file that had stopped)" : ""),
          );
        } finally {
          await store.close();
        }
        return 0;
      }
      default:
        io.err(USAGE);
        return 2;
    }
  } catch (err) {
    io.err(`${command}: ${(err as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await runOpsCommand(process.argv.slice(2), process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exit(code);
}
