import nodemailer from "nodemailer";
import { MailOffError } from "./errors";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /**
   * "smtp" sends for real; "log" writes the message to the log (local use); "off" sends
   * nothing, and the flows that exist to send mail refuse (MailOffError).
   */
  readonly kind: "smtp" | "log" | "off";
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/** Receives one line per mail when no SMTP server is configured. */
export type MailLogger = (line: string) => void;

export const DEFAULT_MAIL_FROM = "Hearth <no-reply@localhost>";

export interface SmtpMailerOptions {
  /** e.g. `smtp://user:pass@mail.example.com:587` or `smtps://...` */
  url: string;
  from?: string;
}

export function createSmtpMailer(opts: SmtpMailerOptions): Mailer {
  const transport = nodemailer.createTransport(opts.url);
  const from = opts.from ?? DEFAULT_MAIL_FROM;
  return {
    kind: "smtp",
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
    },
    async close() {
      transport.close();
    },
  };
}

/** Writes each mail (and so its link) to the log instead of sending it. */
export function createLogMailer(log: MailLogger): Mailer {
  return {
    kind: "log",
    async send(message) {
      log(`mail to ${message.to}: ${message.subject}\n${message.text}`);
    },
    async close() {},
  };
}

/**
 * Sends nothing. Without SMTP, mail is logged only where the log is the developer's own;
 * elsewhere anyone could push a live reset link for any email into the server's log.
 */
export const mailOff: Mailer = {
  kind: "off",
  async send() {
    throw new MailOffError();
  },
  async close() {},
};

export interface MailerConfig {
  /** `HEARTH_SMTP_URL`; without it mail is logged, or off when there is no `log`. */
  smtpUrl?: string | undefined;
  /** `HEARTH_MAIL_FROM`. */
  from?: string | undefined;
  /** Where mail goes without SMTP; only for a server on loopback or in development. */
  log?: MailLogger | undefined;
}

export function createMailer(config: MailerConfig): Mailer {
  if (config.smtpUrl) {
    return createSmtpMailer({ url: config.smtpUrl, from: config.from || DEFAULT_MAIL_FROM });
  }
  return config.log ? createLogMailer(config.log) : mailOff;
}

/** The mailer `HEARTH_SMTP_URL` / `HEARTH_MAIL_FROM` ask for. */
export function createMailerFromEnv(env: NodeJS.ProcessEnv, log?: MailLogger): Mailer {
  return createMailer({ smtpUrl: env.HEARTH_SMTP_URL, from: env.HEARTH_MAIL_FROM, log });
}
