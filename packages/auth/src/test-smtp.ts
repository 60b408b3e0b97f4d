// Test support: a real SMTP listener on loopback that keeps what it receives.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  /** Decoded text body. */
  text: string;
  raw: string;
}

export interface TestSmtpServer {
  url: string;
  mails: ReceivedMail[];
  /** Resolves with the next mail to arrive for `to` (or one already received and not yet taken). */
  nextMailTo(to: string): Promise<ReceivedMail>;
  /** The token of the newest link to `linkPath` mailed to `to` (waits up to 5 s for it). */
  tokenFor(to: string, linkPath: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters: Array<{ to: string; resolve: (mail: ReceivedMail) => void }> = [];

  const deliver = (mail: ReceivedMail): void => {
    mails.push(mail);
    const index = waiters.findIndex((w) => mail.to.includes(w.to.toLowerCase()));
    if (index >= 0) {
      const [waiter] = waiters.splice(index, 1);
      taken.add(mail);
      waiter!.resolve(mail);
    }
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        deliver({
          ...parseMessage(raw),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    nextMailTo(to) {
      const ready = mails.find((m) => !taken.has(m) && m.to.includes(to.toLowerCase()));
      if (ready) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => waiters.push({ to, resolve }));
    },
    async tokenFor(to, linkPath) {
      const pattern = new RegExp(`${linkPath}\\?token=([A-Za-z0-9_-]+)`);
      for (let i = 0; i < 200; i++) {
        const mail = [...mails]
          .reverse()
          .find((m) => m.to.includes(to.toLowerCase()) && m.text.includes(linkPath));
        const token = mail && pattern.exec(mail.text)?.[1];
        if (token) return token;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no ${linkPath} mail reached ${to}`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Just enough MIME for single-part text mail: headers, and a 7bit/QP/base64 body. */
function parseMessage(raw: string): { subject: string; text: string } {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const header = (name: string): string => {
    const match = new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head);
    return match ? match[1]!.trim() : "";
  };
  const encoding = header("Content-Transfer-Encoding").toLowerCase();
  let text = body;
  if (encoding === "quoted-printable") {
    const bytes = Buffer.from(
      body
        .replace(/=\r\n/g, "")
        .replace(/=([0-9A-F]{2})/gi, (_, hex: string) =>
          String.fromCharCode(Number.parseInt(hex, 16)),
        ),
      "latin1",
    );
    text = bytes.toString("utf8");
  } else if (encoding === "base64") {
    text = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  }
  return { subject: header("Subject"), text: text.replace(/\r\n/g, "\n").trimEnd() };
}

/** The first http(s) link in a mail's text. */
export function linkIn(mail: ReceivedMail): URL {
  const match = /https?:\/\/\S+/.exec(mail.text);
  if (!match) throw new Error(`No link in mail "${mail.subject}":\n${mail.text}`);
  return new URL(match[0]);
}
