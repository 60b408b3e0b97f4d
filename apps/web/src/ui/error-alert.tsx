"use client";
import { errorSentence } from "../lib/errors";

/**
 * A refusal, read out when it appears: the server's sentence for a failed call, or a
 * sentence of the page's own; nothing while there is none.
 */
export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="alert error" role="alert">
      {typeof error === "string" ? error : errorSentence(error)}
    </div>
  );
}
