import type { Metadata } from "next";
import { OrganizationPage } from "../../organization/organization-page";

export const metadata: Metadata = { title: "Organization" };

export default function Organization() {
  return <OrganizationPage />;
}
