import Link from "next/link";
import type { ReactNode } from "react";
import { BrandMark } from "../ui/brand";
import { UntilHydrated } from "../ui/until-hydrated";

/** The frame of every signed-out page: the brand above one card. */
export function AuthCard({
  title,
  children,
  footer,
}: {
  title: string;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <main className="auth-page">
      <Link href="/" className="brand">
        <BrandMark />
        Hearth
      </Link>
      <section className="card" aria-labelledby="auth-title">
        <h1 id="auth-title">{title}</h1>
        <UntilHydrated>{children}</UntilHydrated>
        {footer ? <div className="card-footer">{footer}</div> : null}
      </section>
    </main>
  );
}

export function FormNotice({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div className="alert info" role="status">
      {message}
    </div>
  );
}
