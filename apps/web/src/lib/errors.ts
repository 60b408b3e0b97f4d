import { TRPCClientError } from "@trpc/client";

/**
 * The sentence to show for a failed call: the server's own (it words every refusal for
 * people), or a plain one when the server was not reached at all.
 */
export function errorSentence(err: unknown): string {
  if (err instanceof TRPCClientError) {
    const message = typeof err.message === "string" ? err.message.trim() : "";
    // A response that was not tRPC's JSON (a proxy's page, a dropped connection).
    if (message && !/^(Failed to fetch|fetch failed|Unexpected token|Load failed)/i.test(message)) {
      return message;
    }
    return "Hearth could not be reached. Check the connection and try again.";
  }
  if (err instanceof Error && err.message) return err.message;
  return "Something went wrong. Try again.";
}
