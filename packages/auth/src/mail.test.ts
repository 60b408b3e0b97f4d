import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMailer, createMailerFromEnv } from "./mail";
import { linkIn, startTestSmtpServer, type TestSmtpServer } from "./test-smtp";

describe("mail", () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startTestSmtpServer();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it("sends over SMTP from HEARTH_MAIL_FROM, and the link arrives intact", async () => {
    const logged: string[] = [];
    const mailer = createMailerFromEnv(
      { HEARTH_SMTP_URL: smtp.url, HEARTH_MAIL_FROM: "Hearth <hearth@example.test>" },
      (line) => logged.push(line),
    );
    expect(mailer.kind).toBe("smtp");
    const link = `https://hearth.example.test/verify-email?token=${"A_b-9".repeat(9)}x`;
    await mailer.send({
      to: "Ada@Example.test",
      subject: "Confirm your email",
      text: `Open this link to confirm your email:\n\n${link}\n\nIt works for one hour.`,
    });
    await mailer.close();

    const mail = await smtp.nextMailTo("ada@example.test");
    expect(mail.from).toBe("hearth@example.test");
    expect(mail.subject).toBe("Confirm your email");
    expect(linkIn(mail).href).toBe(link);
    expect(logged).toEqual([]);
  });

  it("logs the mail, link included, when no SMTP server is configured", async () => {
    const logged: string[] = [];
    const mailer = createMailer({ log: (line) => logged.push(line) });
    expect(mailer.kind).toBe("log");
    await mailer.send({
      to: "bob@example.test",
      subject: "Reset your password",
      text: "http://127.0.0.1:3000/reset-password?token=abc",
    });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain("bob@example.test");
    expect(logged[0]).toContain("http://127.0.0.1:3000/reset-password?token=abc");
  });

  it("rejects when the SMTP server cannot be reached", async () => {
    const closed = await startTestSmtpServer();
    await closed.close();
    const mailer = createMailer({ smtpUrl: closed.url, log: () => {} });
    await expect(mailer.send({ to: "c@example.test", subject: "s", text: "t" })).rejects.toThrow();
    await mailer.close();
  });
});
