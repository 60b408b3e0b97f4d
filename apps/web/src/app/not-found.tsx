import Link from "next/link";
import { AuthCard } from "../sign-in/auth-card";

export default function NotFound() {
  return (
    <AuthCard title="Nothing here">
      <p>This page does not exist, or it moved.</p>
      <Link className="button primary" href="/">
        Go to your workspaces
      </Link>
    </AuthCard>
  );
}
