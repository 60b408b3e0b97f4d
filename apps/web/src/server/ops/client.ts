/**
 * A plain HTTP client of Hearth's API, as the crash test and the soak drive it: single
 * tRPC calls over fetch, each answer or failure kept apart (an error the server answered
 * is not a connection that broke).
 */

/** The server answered with a tRPC error. */
export class ApiError extends Error {
  constructor(
    readonly procedure: string,
    readonly status: number,
    readonly code: string,
    readonly data: Record<string, unknown>,
    message: string,
  ) {
    super(`${procedure}: ${code} (${status}) ${message}`);
    this.name = "ApiError";
  }
}

interface Envelope<T> {
  result?: { data: T };
  error?: { message: string; data?: { code?: string } & Record<string, unknown> };
}

/**
 * Many simulated people come from one machine; against a server that trusts one proxy
 * (HEARTH_TRUST_PROXY=1) each can name an address of its own, as real clients have, so
 * the per-IP limits on sign-ups and sign-ins see many clients rather than one.
 */
export function simulatedIp(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export class ApiClient {
  /** `http://host:port`; changes when a restarted server listens elsewhere. */
  base: string;

  constructor(base: string) {
    this.base = base;
  }

  async mutate<T>(procedure: string, input: unknown, token?: string, ip?: string): Promise<T> {
    return (await this.post<T>(procedure, input, token, ip)).data;
  }

  /**
   * A mutation that signs in (register, switch): the answer with the refresh cookie it
   * set, which a later tenant switch must present along with the access token.
   */
  async signIn(
    procedure: string,
    input: unknown,
    token?: string,
    ip?: string,
    cookie?: string,
  ): Promise<SignedIn> {
    const { data, res } = await this.post<SignedIn>(procedure, input, token, ip, cookie);
    const set = res.headers.getSetCookie().find((c) => c.startsWith("hearth_refresh="));
    return { ...data, cookie: set?.split(";")[0] };
  }

  private post<T>(procedure: string, input: unknown, token?: string, ip?: string, cookie?: string) {
    const headers = this.headers(token, ip);
    headers["content-type"] = "application/json";
    if (cookie) headers.cookie = cookie;
    return this.send<T>(procedure, `${this.base}/api/trpc/${procedure}`, {
      method: "POST",
      headers,
      body: JSON.stringify(input),
    });
  }

  async query<T>(procedure: string, input: unknown, token?: string, ip?: string): Promise<T> {
    const q = encodeURIComponent(JSON.stringify(input));
    const answer = await this.send<T>(procedure, `${this.base}/api/trpc/${procedure}?input=${q}`, {
      headers: this.headers(token, ip),
    });
    return answer.data;
  }

  private headers(token: string | undefined, ip: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (ip) headers["x-forwarded-for"] = ip;
    return headers;
  }

  private async send<T>(
    procedure: string,
    url: string,
    init: RequestInit,
  ): Promise<{ data: T; res: Response }> {
    const res = await fetch(url, init);
    const text = await res.text();
    let body: Envelope<T>;
    try {
      body = JSON.parse(text) as Envelope<T>;
    } catch {
      throw new ApiError(procedure, res.status, "NOT_JSON", {}, text.slice(0, 200));
    }
    if (body.error) {
      const data = body.error.data ?? {};
      throw new ApiError(procedure, res.status, data.code ?? "UNKNOWN", data, body.error.message);
    }
    return { data: body.result!.data, res };
  }
}

export interface SignedIn {
  accessToken: string;
  user: { id: string };
  tenant: { id: string };
  /** `hearth_refresh=…`, as a Cookie header sends it back. */
  cookie?: string;
}

export interface WorkspaceAnswer {
  id: string;
  rev: number;
  buffers: Record<string, string>;
}

export const PASSWORD = "a long enough password for load";

/** Registers `email` (its own Free tenant) and answers the sign-in. */
export function register(api: ApiClient, email: string, ip?: string): Promise<SignedIn> {
  return api.signIn(
    "auth.register",
    { email, password: PASSWORD, firstName: "Load", lastName: email.split("@")[0]! },
    undefined,
    ip,
  );
}

/**
 * The mail a server on loopback without SMTP writes to its log (`"mail"` lines), read
 * from its stdout: how simulated people confirm their address and see invitations.
 */
export class Mailbox {
  private readonly mails: { to: string; text: string }[] = [];
  private readonly waiters = new Set<() => void>();

  /** One line of the server's stdout. */
  feed(line: string): void {
    if (!line.includes('"mail"')) return;
    let mail: unknown;
    try {
      mail = (JSON.parse(line) as { mail?: unknown }).mail;
    } catch {
      return;
    }
    if (typeof mail !== "string") return;
    const to = /^mail to (\S+?):/.exec(mail)?.[1];
    if (!to) return;
    this.mails.push({ to, text: mail });
    for (const wake of this.waiters) wake();
  }

  /** The first match of `pattern` in a mail to `to`, waiting for it to arrive. */
  async find(to: string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const m of this.mails) {
        const hit = m.to === to ? pattern.exec(m.text) : null;
        if (hit) return hit[1] ?? hit[0];
      }
      if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${pattern}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
        setTimeout(wake, 200);
      });
    }
  }
}

/** One simulated person: their sign-in, the tenant they act in and their workspace. */
export interface SimUser {
  email: string;
  /** The address it sends as X-Forwarded-For. */
  ip: string;
  token: string;
  tenantId: string;
  workspaceId: string;
  rev: number;
}

/**
 * Registers `count` users in groups of `groupSize` sharing an Organization (the first of a
 * group creates it and adds the others, who switch to it); a group of one keeps its own
 * Free tenant. Each user then creates one workspace of their own.
 */
export async function seedUsers(
  api: ApiClient,
  opts: {
    count: number;
    groupSize: number;
    prefix: string;
    /** Numbers the simulated IPs from here (seedUsers calls of one run must not overlap). */
    firstIp?: number;
    /** The server's mail, needed for groups: members confirm their address and accept. */
    mailbox?: Mailbox;
    concurrency?: number;
  },
): Promise<SimUser[]> {
  const groups: number[][] = [];
  for (let i = 0; i < opts.count; i += opts.groupSize) {
    groups.push(Array.from({ length: Math.min(opts.groupSize, opts.count - i) }, (_, k) => i + k));
  }
  const users: SimUser[] = new Array(opts.count);
  await inParallel(groups, opts.concurrency ?? 8, async (group) => {
    const ipOf = (i: number) => simulatedIp((opts.firstIp ?? 0) + i);
    const signed = await Promise.all(
      group.map((i) => register(api, `${opts.prefix}-${i}@hearth.test`, ipOf(i))),
    );
    let tokens = signed.map((s) => s.accessToken);
    let tenantId = signed[0]!.tenant.id;
    if (group.length > 1) {
      const org = await api.mutate<{ id: string }>(
        "tenant.createOrganization",
        { name: `${opts.prefix} group ${group[0]}` },
        tokens[0],
        ipOf(group[0]!),
      );
      tenantId = org.id;
      tokens[0] = (await switchTenant(api, signed[0]!, tenantId, ipOf(group[0]!))).accessToken;
      const mailbox = opts.mailbox;
      if (!mailbox) throw new Error("groups need the server's mailbox");
      // Members join by invitation, which a confirmed address sees and accepts.
      tokens = await Promise.all(
        tokens.map(async (t, k) => {
          if (k === 0) return t;
          const i = group[k]!;
          const email = `${opts.prefix}-${i}@hearth.test`;
          const token = await mailbox.find(email, /verify-email\?token=([\w.-]+)/);
          await api.mutate("auth.verifyEmail", { token }, undefined, ipOf(i));
          await api.mutate(
            "tenant.invite",
            { email, role: "Developer" },
            tokens[0],
            ipOf(group[0]!),
          );
          const [invitation] = await api.query<{ id: string }[]>(
            "auth.invitations",
            undefined,
            t,
            ipOf(i),
          );
          if (!invitation) throw new Error(`no invitation for ${email}`);
          await api.mutate("auth.acceptInvitation", { id: invitation.id }, t, ipOf(i));
          return (await switchTenant(api, signed[k]!, tenantId, ipOf(i))).accessToken;
        }),
      );
    }
    await Promise.all(
      group.map(async (i, k) => {
        const ws = await api.mutate<WorkspaceAnswer>(
          "workspace.create",
          { name: `Session ${i}`, path: `session-${i}` },
          tokens[k],
          ipOf(i),
        );
        users[i] = {
          email: `${opts.prefix}-${i}@hearth.test`,
          ip: ipOf(i),
          token: tokens[k]!,
          tenantId,
          workspaceId: ws.id,
          rev: ws.rev,
        };
      }),
    );
  });
  return users;
}

function switchTenant(
  api: ApiClient,
  from: SignedIn,
  tenantId: string,
  ip: string,
): Promise<SignedIn> {
  return api.signIn("tenant.switch", { tenantId }, from.accessToken, ip, from.cookie);
}

/** Runs fn over items with at most `limit` at a time. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
