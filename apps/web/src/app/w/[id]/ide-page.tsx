"use client";
import dynamic from "next/dynamic";
import { loadSession } from "../../../ide/session-loader";
import { RequireSignIn } from "../../../lib/require-sign-in";

// Before anything else runs: the sign-in's renewal and the session's data start loading,
// then the IDE's code (client only) and Monaco beside it, whose compiling overlaps them.
const workspaceId =
  typeof window === "undefined" ? null : /^\/w\/([^/]+)$/.exec(window.location.pathname)?.[1];
if (workspaceId) loadSession(decodeURIComponent(workspaceId));
const workbenchModule = typeof window === "undefined" ? null : import("../../../ide/workbench");
if (typeof window !== "undefined") void import("../../../ide/editor/code-editor");
const Workbench = dynamic(
  () => (workbenchModule ?? import("../../../ide/workbench")).then((m) => m.Workbench),
  {
    ssr: false,
    loading: () => (
      <p className="page-status" role="status">
        Opening the workspace…
      </p>
    ),
  },
);

export function IdePage({ workspaceId }: { workspaceId: string }) {
  return (
    <RequireSignIn>
      <Workbench workspaceId={workspaceId} />
    </RequireSignIn>
  );
}
