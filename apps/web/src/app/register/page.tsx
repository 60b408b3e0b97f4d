import type { Metadata } from "next";
import { Suspense } from "react";
import { RegisterForm } from "../../sign-in/register-form";

export const metadata: Metadata = { title: "Create account" };

export default function Page() {
  // The form reads the query string, which exists only in the browser.
  return (
    <Suspense>
      <RegisterForm />
    </Suspense>
  );
}
