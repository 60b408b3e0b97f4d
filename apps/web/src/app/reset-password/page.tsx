import type { Metadata } from "next";
import { Suspense } from "react";
import { ResetPasswordForm } from "../../sign-in/reset-password-form";

export const metadata: Metadata = { title: "Choose a new password" };

export default function Page() {
  // The form reads the query string, which exists only in the browser.
  return (
    <Suspense>
      <ResetPasswordForm />
    </Suspense>
  );
}
