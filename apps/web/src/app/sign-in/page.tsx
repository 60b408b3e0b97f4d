import type { Metadata } from "next";
import { Suspense } from "react";
import { SignInForm } from "../../sign-in/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default function Page() {
  // The form reads the query string, which exists only in the browser.
  return (
    <Suspense>
      <SignInForm />
    </Suspense>
  );
}
