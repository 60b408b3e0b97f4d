import type { Store } from "@hearth/db";
import { createMailerFromEnv, type Mailer, type MailLogger } from "./mail";
import { AuthService, type AuthServiceOptions, type AuthServiceRepositories } from "./service";
import { loadJwtSecret } from "./signing-key";
import { createAccessTokenSigner } from "./tokens";

export interface CreateAuthServiceOptions {
  store: Store;
  /** Hearth's data directory (`HEARTH_DATA_DIR`): the generated JWT key lives there. */
  dataDir: string;
  /** Reads HEARTH_JWT_SECRET, HEARTH_SMTP_URL, HEARTH_MAIL_FROM. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where links in mails point, e.g. `http://127.0.0.1:3000`. */
  publicBaseUrl: string;
  /**
   * Receives mails (with their links) when no SMTP server is configured. Without it, and
   * without SMTP, mail is off: give it only where the log is the developer's own (a server
   * on loopback, or an explicit development setting).
   */
  mailLog?: MailLogger | undefined;
  /** Instead of the mailer the environment asks for. */
  mailer?: Mailer;
  repositories?: AuthServiceRepositories;
  clock?: () => Date;
  accessTokenTtlSeconds?: number;
  refreshGraceMs?: number;
  onBackgroundError?: AuthServiceOptions["onBackgroundError"];
}

/** The AuthService a server runs: signing key from env or data dir, mailer from env. */
export async function createAuthService(opts: CreateAuthServiceOptions): Promise<AuthService> {
  const env = opts.env ?? process.env;
  const secret = await loadJwtSecret({ dataDir: opts.dataDir, envSecret: env.HEARTH_JWT_SECRET });
  const signer = await createAccessTokenSigner({
    secret,
    ttlSeconds: opts.accessTokenTtlSeconds,
    now: opts.clock,
  });
  const service: AuthServiceOptions = {
    store: opts.store,
    signer,
    mailer: opts.mailer ?? createMailerFromEnv(env, opts.mailLog),
    publicBaseUrl: opts.publicBaseUrl,
  };
  if (opts.repositories) service.repositories = opts.repositories;
  if (opts.clock) service.clock = opts.clock;
  if (opts.refreshGraceMs !== undefined) service.refreshGraceMs = opts.refreshGraceMs;
  if (opts.onBackgroundError) service.onBackgroundError = opts.onBackgroundError;
  return new AuthService(service);
}
