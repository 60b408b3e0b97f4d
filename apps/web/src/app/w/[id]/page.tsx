import type { Metadata } from "next";
import { IdePage } from "./ide-page";

export const metadata: Metadata = { title: "Workspace" };

export default async function WorkspacePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <IdePage workspaceId={id} />;
}
