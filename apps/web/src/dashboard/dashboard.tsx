"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { MyInvitations } from "../organization/my-invitations";
import { SignedInPage } from "../ui/signed-in-page";
import { CreateWorkspaceForm } from "./create-workspace-form";
import { EmailNotice } from "./email-notice";
import { RecentFiles } from "./recent-files";
import { SharedWithMe } from "./shared-with-me";
import { WorkspaceList } from "./workspace-list";

/** `/`: a signed-in person's workspaces and what to do with them. */
export function Dashboard() {
  return (
    <SignedInPage>
      <h1>Workspaces</h1>
      <EmailNotice />
      <MyInvitations />
      <DashboardColumns />
    </SignedInPage>
  );
}

function DashboardColumns() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const tag = params.get("tag");
  // The chosen tag lives in the address, so a filtered list can be reloaded or shared.
  const setTag = (next: string | null) => {
    const q = new URLSearchParams(params.toString());
    if (next) q.set("tag", next);
    else q.delete("tag");
    const s = q.toString();
    router.replace(s ? `${pathname}?${s}` : pathname, { scroll: false });
  };
  return (
    <div className="columns">
      <div>
        <WorkspaceList tag={tag} onTag={setTag} />
        <SharedWithMe />
      </div>
      <aside>
        <section className="panel">
          <CreateWorkspaceForm />
        </section>
        <RecentFiles />
      </aside>
    </div>
  );
}
