import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const JWT_KEY_FILE = "jwt.key";
export const MIN_JWT_SECRET_BYTES = 32;
const GENERATED_SECRET_BYTES = 64;

export interface LoadJwtSecretOptions {
  /** Hearth's data directory; the generated key is kept in `<dataDir>/jwt.key`. */
  dataDir: string;
  /** `HEARTH_JWT_SECRET`, when the operator provides the key. */
  envSecret?: string | undefined;
}

/**
 * The HS256 signing secret: `HEARTH_JWT_SECRET` when set, otherwise a random key made on
 * first start and kept (mode 0600) in the data directory so tokens survive restarts.
 */
export async function loadJwtSecret(opts: LoadJwtSecretOptions): Promise<Uint8Array> {
  if (opts.envSecret !== undefined && opts.envSecret !== "") {
    const bytes = new TextEncoder().encode(opts.envSecret);
    if (bytes.byteLength < MIN_JWT_SECRET_BYTES) {
      throw new Error(`HEARTH_JWT_SECRET must be at least ${MIN_JWT_SECRET_BYTES} bytes long.`);
    }
    return bytes;
  }
  return loadOrCreateKeyFile(opts.dataDir);
}

async function readKeyFile(path: string): Promise<Uint8Array | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const bytes = Buffer.from(text.trim(), "base64url");
  if (bytes.byteLength < MIN_JWT_SECRET_BYTES) {
    throw new Error(
      `${path} does not hold a signing key of at least ${MIN_JWT_SECRET_BYTES} bytes.`,
    );
  }
  return new Uint8Array(bytes);
}

async function loadOrCreateKeyFile(dataDir: string): Promise<Uint8Array> {
  const path = join(dataDir, JWT_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing) return existing;

  await mkdir(dataDir, { recursive: true });
  // The key is written whole to a private temp file, then hard-linked into place:
  // link() never replaces an existing file, so when several processes start at once
  // exactly one key wins and everyone reads that one back.
  const tmp = join(dataDir, `.${JWT_KEY_FILE}.${process.pid}.${randomBytes(6).toString("hex")}`);
  await writeFile(tmp, `${randomBytes(GENERATED_SECRET_BYTES).toString("base64url")}\n`, {
    mode: 0o600,
    flag: "wx",
  });
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
  const winner = await readKeyFile(path);
  if (!winner) throw new Error(`${path} vanished while it was being created.`);
  return winner;
}
