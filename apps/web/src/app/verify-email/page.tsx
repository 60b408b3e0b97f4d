import type { Metadata } from "next";
import { Suspense } from "react";
import { VerifyEmail } from "../../sign-in/verify-email";

export const metadata: Metadata = { title: "Confirm your email" };

export default function Page() {
  // The form reads the query string, which exists only in the browser.
  return (
    <Suspense>
      <VerifyEmail />
    </Suspense>
  );
}
