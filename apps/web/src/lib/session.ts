/**
 * The browser's sign-in: the access token lives in this module's memory only (never in
 * storage a script could read later), and is renewed through `auth.refresh`, which reads
 * the httpOnly refresh cookie. Framework-free, so the tRPC links and React share it.
 */
import type { AppRouter } from "@hearth/api";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";

/** Why a person was sent to the sign-in page; the page words it (see signedOutSentence). */
export type SignedOutReason = "revoked" | "signed-out" | "expired";

export type SessionState =
  | { status: "unknown" }
  | { status: "signed-out"; reason: SignedOutReason | null }
  | { status: "signed-in"; accessToken: string; expiresAt: number };

export interface SignInAnswer {
  accessToken: string;
  accessTokenExpiresAt: string;
}

/** Renew this long before expiry (or a fifth of a short lifetime). */
const RENEW_LEAD_MS = 60_000;
/** After a failed renewal that was not a refusal (offline, server restarting). */
const RETRY_MS = 5_000;

/** The sentence the sign-in page shows for each reason. */
export function signedOutSentence(reason: string | null | undefined): string | null {
  switch (reason) {
    case "revoked":
      return "Your sign-in was ended (signed out on another device, revoked, or the password changed). Sign in again to continue.";
    case "expired":
      return "Your sign-in has expired. Sign in again to continue.";
    case "signed-out":
      return "You signed out.";
    default:
      return null;
  }
}

/** A refusal of the credentials themselves, as opposed to the network or the server failing. */
export function isAuthRefusal(err: unknown): boolean {
  if (!(err instanceof TRPCClientError)) return false;
  const code = (err.data as { code?: string } | undefined)?.code;
  return code === "UNAUTHORIZED" || code === "FORBIDDEN";
}

type Listener = (state: SessionState) => void;

export interface AuthSessionOptions {
  /** Where the API is; the page's own origin by default. */
  trpcUrl?: string;
  /** The fetch that carries the refresh cookie (a browser's own by default). */
  fetch?: typeof fetch;
}

export class AuthSession {
  private state: SessionState = { status: "unknown" };
  private readonly listeners = new Set<Listener>();
  private renewing: Promise<string | null> | null = null;
  private leaving = false;
  /** Counts sign-ins and sign-outs: a renewal's answer counts only if none came meanwhile. */
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly channel: BroadcastChannel | null;
  // Its own client without the auth links: refreshing must not wait for a token.
  private readonly plain: ReturnType<typeof createTRPCClient<AppRouter>>;

  constructor(opts: AuthSessionOptions = {}) {
    this.plain = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: opts.trpcUrl ?? "/api/trpc",
          ...(opts.fetch ? { fetch: opts.fetch } : {}),
        }),
      ],
    });
    this.channel =
      typeof window === "undefined" || typeof BroadcastChannel === "undefined"
        ? null
        : new BroadcastChannel("hearth-auth");
    // A sign-out in one tab ends the family every tab of this browser shares.
    this.channel?.addEventListener("message", (e: MessageEvent<unknown>) => {
      if (e.data === "signed-out" && this.state.status === "signed-in")
        this.end("signed-out", false);
    });
  }

  get current(): SessionState {
    return this.state;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keeps the token a sign-in, registration or organisation switch answered. */
  signedIn(answer: SignInAnswer): void {
    this.generation++;
    this.set({
      status: "signed-in",
      accessToken: answer.accessToken,
      expiresAt: Date.parse(answer.accessTokenExpiresAt),
    });
  }

  /**
   * On page load: the cookie, if any, becomes an access token; a refused one means signed
   * out. While the server cannot be reached the state stays "unknown" and the cookie is
   * tried again every few seconds, rather than sending a signed-in person to sign in.
   */
  async restore(): Promise<SessionState> {
    if (this.state.status === "unknown") await this.renew();
    return this.state;
  }

  /**
   * A token good for at least a few more seconds, renewed first when needed; null when
   * signed out. Every authenticated request asks here.
   */
  async accessToken(): Promise<string | null> {
    const s = this.state;
    if (s.status === "signed-out") return null;
    if (s.status === "signed-in" && s.expiresAt - Date.now() > 5_000) return s.accessToken;
    return this.renew();
  }

  /**
   * Renews the access token through the refresh cookie; one renewal at a time however
   * many callers ask. A refusal ends the sign-in; a network failure keeps it (the server
   * may be restarting) and tries again shortly.
   */
  renew(): Promise<string | null> {
    this.renewing ??= (async () => {
      const wasSignedIn = this.state.status === "signed-in";
      const generation = this.generation;
      // A sign-in or sign-out answered while this renewal was under way (the page-load
      // renewal racing a registration) is newer: this renewal's answer speaks of before.
      const overtaken = () => this.generation !== generation;
      const current = () => (this.state.status === "signed-in" ? this.state.accessToken : null);
      try {
        const answer = await this.plain.auth.refresh.mutate({});
        if (overtaken()) return current();
        this.signedIn(answer);
        return answer.accessToken;
      } catch (err) {
        if (overtaken()) return current();
        if (isAuthRefusal(err)) {
          if (wasSignedIn) this.end("revoked", false);
          else this.set({ status: "signed-out", reason: null });
          return null;
        }
        // Not an answer (the server is restarting, the network is down): whatever was
        // known stays so, and the cookie is tried again shortly.
        this.schedule(RETRY_MS);
        return current();
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  /**
   * The page is about to load another with a new sign-in (a tenant switch): a refusal of
   * a call it still had under way speaks of the sign-in that just ended, so it must not
   * tell the browser's other tabs — the page being loaded among them — to sign out.
   */
  leave(): void {
    this.leaving = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Forgets the token. `broadcast` tells this browser's other tabs (a deliberate sign-out). */
  end(reason: SignedOutReason, broadcast = true): void {
    this.generation++;
    if (broadcast && !this.leaving) this.channel?.postMessage("signed-out");
    this.set({ status: "signed-out", reason });
  }

  private set(state: SessionState): void {
    this.state = state;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (state.status === "signed-in") {
      const lifetime = state.expiresAt - Date.now();
      this.schedule(lifetime - Math.min(RENEW_LEAD_MS, lifetime / 5));
    }
    for (const listener of this.listeners) listener(state);
  }

  /** Stops the renewal timer (a page going away, a test ending). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.channel?.close();
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), Math.max(1_000, ms));
  }
}

/** The page's one sign-in (null while rendering on the server, where nobody is signed in). */
let browserSession: AuthSession | null = null;

export function authSession(): AuthSession {
  if (typeof window === "undefined") {
    // Server rendering: a throwaway that never signs anyone in.
    return new AuthSession();
  }
  browserSession ??= new AuthSession();
  return browserSession;
}
