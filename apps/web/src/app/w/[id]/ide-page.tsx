"use client";
import dynamic from "next/dynamic";
import { RequireSignIn } from "../../../lib/require-sign-in";

// Monaco and xterm need the browser: the IDE loads on the client only.
const Workbench = dynamic(() => import("../../../ide/workbench").then((m) => m.Workbench), {
  ssr: false,
  loading: () => (
    <p className="page-status" role="status">
      Opening the workspace…
    </p>
  ),
});

export function IdePage({ workspaceId }: { workspaceId: string }) {
  return (
    <RequireSignIn>
      <Workbench workspaceId={workspaceId} />
    </RequireSignIn>
  );
}
