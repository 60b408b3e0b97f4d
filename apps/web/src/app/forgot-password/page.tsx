import type { Metadata } from "next";
import { Suspense } from "react";
import { ForgotPasswordForm } from "../../sign-in/forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };

export default function Page() {
  // The form reads the query string, which exists only in the browser.
  return (
    <Suspense>
      <ForgotPasswordForm />
    </Suspense>
  );
}
