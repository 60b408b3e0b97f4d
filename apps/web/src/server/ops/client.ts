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

export class ApiClient {
  /** `http://host:port`; changes when a restarted server listens elsewhere. */
  base: string;

  constructor(base: string) {
    this.base = base;
  }

  mutate<T>(procedure: string, input: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    return this.send<T>(procedure, `${this.base}/api/trpc/${procedure}`, {
      method: "POST",
      headers,
      body: JSON.stringify(input),
    });
  }

  query<T>(procedure: string, input: unknown, token?: string): Promise<T> {
    const q = encodeURIComponent(JSON.stringify(input));
    return this.send<T>(procedure, `${this.base}/api/trpc/${procedure}?input=${q}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  }

  private async send<T>(procedure: string, url: string, init: RequestInit): Promise<T> {
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
    return body.result!.data;
  }
}

export interface SignedIn {
  accessToken: string;
  user: { id: string };
  tenant: { id: string };
}

export interface WorkspaceAnswer {
  id: string;
  rev: number;
  buffers: Record<string, string>;
}

export const PASSWORD = "a long enough password for load";

/** Registers `email` (its own Free tenant) and answers the sign-in. */
export function register(api: ApiClient, email: string): Promise<SignedIn> {
  return api.mutate<SignedIn>("auth.register", {
    email,
    password: PASSWORD,
    firstName: "Load",
    lastName: email.split("@")[0]!,
  });
}

/** One simulated person: their sign-in, the tenant they act in and their workspace. */
export interface SimUser {
  email: string;
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
  opts: { count: number; groupSize: number; prefix: string; concurrency?: number },
): Promise<SimUser[]> {
  const groups: number[][] = [];
  for (let i = 0; i < opts.count; i += opts.groupSize) {
    groups.push(Array.from({ length: Math.min(opts.groupSize, opts.count - i) }, (_, k) => i + k));
  }
  const users: SimUser[] = new Array(opts.count);
  await inParallel(groups, opts.concurrency ?? 8, async (group) => {
    const signed = await Promise.all(
      group.map((i) => register(api, `${opts.prefix}-${i}@hearth.test`)),
    );
    let tokens = signed.map((s) => s.accessToken);
    let tenantId = signed[0]!.tenant.id;
    if (group.length > 1) {
      const org = await api.mutate<{ id: string }>(
        "tenant.createOrganization",
        { name: `${opts.prefix} group ${group[0]}` },
        tokens[0],
      );
      tenantId = org.id;
      tokens[0] = (await switchTenant(api, tokens[0]!, tenantId)).accessToken;
      for (let k = 1; k < group.length; k++) {
        await api.mutate(
          "tenant.addMember",
          { email: `${opts.prefix}-${group[k]}@hearth.test`, role: "Developer" },
          tokens[0],
        );
      }
      tokens = await Promise.all(
        tokens.map(async (t, k) =>
          k === 0 ? t : (await switchTenant(api, t, tenantId)).accessToken,
        ),
      );
    }
    await Promise.all(
      group.map(async (i, k) => {
        const ws = await api.mutate<WorkspaceAnswer>(
          "workspace.create",
          { name: `Session ${i}`, path: `session-${i}` },
          tokens[k],
        );
        users[i] = {
          email: `${opts.prefix}-${i}@hearth.test`,
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

function switchTenant(api: ApiClient, token: string, tenantId: string): Promise<SignedIn> {
  return api.mutate<SignedIn>("tenant.switch", { tenantId }, token);
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
