import type { WorkspaceSession } from "../state/types";
import type { AutosaveRequest, AutosaveTransport, SaveOutcome } from "./autosave";

export interface HttpTransportOptions {
  /** Origin of the Hearth server; "" for the page's own. */
  baseUrl?: string;
  /** The access token held in memory, if any (read synchronously when the page goes away). */
  token(): string | null;
  /** A fresh access token after UNAUTHORIZED, or null when the sign-in is gone. */
  refresh?(): Promise<string | null>;
}

interface TrpcErrorBody {
  error?: { message?: string; data?: { code?: string } };
}

/**
 * Autosave over tRPC's HTTP wire format (plain JSON, no transformer), with fetch itself:
 * the same request can then go out with `keepalive` when the page is closing, which the
 * tRPC client cannot do.
 */
export function httpAutosaveTransport(options: HttpTransportOptions): AutosaveTransport {
  const base = `${options.baseUrl ?? ""}/api/trpc`;
  const headers = (token: string | null): Record<string, string> => {
    const h: Record<string, string> = { "content-type": "application/json" };
    if (token) h.authorization = `Bearer ${token}`;
    return h;
  };

  async function post(request: AutosaveRequest, token: string | null): Promise<Response> {
    return fetch(`${base}/workspace.autosave`, {
      method: "POST",
      headers: headers(token),
      body: JSON.stringify(request),
    });
  }

  return {
    async save(request): Promise<SaveOutcome> {
      let response: Response;
      try {
        response = await post(request, options.token());
        if (response.status === 401 && options.refresh) {
          const token = await options.refresh();
          if (token) response = await post(request, token);
        }
      } catch {
        return { kind: "network" };
      }
      if (response.ok) {
        const body = (await response.json()) as { result: { data: { rev: number } } };
        return { kind: "saved", rev: body.result.data.rev };
      }
      // A proxy or a server on its way down answers 502–504: nobody refused anything yet.
      if (response.status >= 502 && response.status <= 504) return { kind: "network" };
      const body = (await response.json().catch(() => ({}))) as TrpcErrorBody;
      if (body.error?.data?.code === "CONFLICT" || response.status === 409) {
        return { kind: "conflict" };
      }
      const message =
        body.error?.message ??
        (response.status === 413
          ? "the unsaved changes are larger than the server accepts."
          : `the server answered ${response.status}.`);
      return { kind: "refused", message };
    },

    async load(id): Promise<WorkspaceSession> {
      const input = encodeURIComponent(JSON.stringify({ id }));
      const response = await fetch(`${base}/workspace.get?input=${input}`, {
        headers: headers(options.token()),
      });
      if (!response.ok) throw new Error(`workspace.get answered ${response.status}`);
      const body = (await response.json()) as { result: { data: WorkspaceSession } };
      return body.result.data;
    },

    sendOnExit(request): void {
      void fetch(`${base}/workspace.autosave`, {
        method: "POST",
        headers: headers(options.token()),
        body: JSON.stringify(request),
        keepalive: true,
      }).catch(() => {});
    },
  };
}
