"use client";
import { errorSentence } from "../lib/errors";

/** The server's sentence for a failed call; nothing while there is no error. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="alert error" role="alert">
      {errorSentence(error)}
    </div>
  );
}
