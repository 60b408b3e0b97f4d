// Bundles the server into one ESM file, dist/server.mjs, for `pnpm start`.
// Native addons, Next and React (and the FoundationDB binding, which only FDB hosts can load) stay
// external and are resolved from apps/web's own dependencies at run time.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Bundles `entry` like the production server. `outfile` should stay under apps/web/dist so
 * that the external modules resolve from apps/web's dependencies.
 */
export async function bundle({ entry, outfile }) {
  const options = {
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    legalComments: "none",
    logLevel: "warning",
    external: [
      "better-sqlite3",
      "argon2",
      "node-pty",
      "foundationdb",
      // The web app runs on the installed Next and React, with the build in .next.
      "next",
      "next/*",
      "react",
      "react/*",
      "react-dom",
      "react-dom/*",
      // pino loads its transports from files in worker threads; it stays a real package.
      "pino",
      // ws's optional native speed-ups.
      "bufferutil",
      "utf-8-validate",
    ],
    // CommonJS dependencies bundled into ESM still call require() and use __dirname.
    banner: {
      js: [
        'import { createRequire as __hearthCreateRequire } from "node:module";',
        'import { fileURLToPath as __hearthFileURLToPath } from "node:url";',
        'import { dirname as __hearthDirname } from "node:path";',
        "const require = __hearthCreateRequire(import.meta.url);",
        "const __filename = __hearthFileURLToPath(import.meta.url);",
        "const __dirname = __hearthDirname(__filename);",
      ].join("\n"),
    },
  };
  await build({ ...options, entryPoints: [entry], outfile });
  // The SQLite store's checkpoint worker is a module of its own, loaded from beside the
  // server's bundle.
  await build({
    ...options,
    entryPoints: [path.resolve(root, "../../packages/db/src/store/checkpoint-worker.ts")],
    outfile: path.join(path.dirname(outfile), "checkpoint-worker.mjs"),
  });
  return path.resolve(root, outfile);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundle({ entry: "src/server/main.ts", outfile: "dist/server.mjs" });
}
