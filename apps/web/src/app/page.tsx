import type { Metadata } from "next";
import { Suspense } from "react";
import { Dashboard } from "../dashboard/dashboard";

export const metadata: Metadata = { title: { absolute: "Workspaces · Hearth" } };

export default function Home() {
  return (
    <Suspense>
      <Dashboard />
    </Suspense>
  );
}
