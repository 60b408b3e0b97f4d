/**
 * A real SMTP listener on loopback for the e2e server's mail (HEARTH_SMTP_URL points here,
 * see playwright.config.ts): it takes every message and keeps its decoded text, so a spec
 * can follow the links Hearth mails as a person would. Plain SMTP, no TLS, no auth.
 */
import net from "node:net";

export interface Mail {
  to: string[];
  text: string;
}

export interface Mailbox {
  /** The newest link to `page` (e.g. "verify-email") mailed to `to`; waits up to 10 s. */
  linkTo(to: string, page: string): Promise<URL>;
  close(): Promise<void>;
}

/** Quoted-printable and base64 bodies as nodemailer writes them, back to text. */
function decode(raw: string): string {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString();
  if (encoding !== "quoted-printable") return body;
  const bytes = body
    .replace(/=\r\n/g, "")
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

export async function openMailbox(port: number): Promise<Mailbox> {
  const mails: Mail[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffer = "";
    let inData = false;
    let to: string[] = [];
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply("220 hearth-e2e ESMTP");
    socket.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("latin1");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end === -1) return;
          const raw = Buffer.from(buffer.slice(0, end), "latin1").toString("utf8");
          buffer = buffer.slice(end + 5);
          inData = false;
          mails.push({ to, text: decode(raw.replace(/^\.\./gm, ".")) });
          to = [];
          reply("250 OK");
          continue;
        }
        const eol = buffer.indexOf("\r\n");
        if (eol === -1) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") reply("250 hearth-e2e");
        else if (verb === "RCPT") {
          const address = /<([^>]*)>/.exec(line)?.[1];
          if (address) to.push(address.toLowerCase());
          reply("250 OK");
        } else if (verb === "DATA") {
          inData = true;
          reply("354 End data with <CR><LF>.<CR><LF>");
        } else if (verb === "QUIT") {
          reply("221 Bye");
          socket.end();
          return;
        } else reply("250 OK");
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });

  return {
    async linkTo(to, page) {
      const pattern = new RegExp(`https?://\\S+/${page}\\?token=[\\w-]+`);
      for (let i = 0; i < 200; i++) {
        const mail = [...mails].reverse().find((m) => m.to.includes(to.toLowerCase()));
        const link = mail && pattern.exec(mail.text)?.[0];
        if (link && mail.text.includes(page)) return new URL(link);
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${page} link was mailed to ${to}`);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
