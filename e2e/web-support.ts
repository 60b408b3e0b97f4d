// Helpers for the web app's specs.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** axe-core finds nothing serious or critical on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, page.url()).toEqual([]);
}

/**
 * A call the page makes with a token of its own (from the refresh cookie, as the app
 * does), for what the dashboard does not do itself: files written in the IDE,
 * organizations, invitations and shares (the account pages' and the IDE's parts).
 */
export async function call(
  page: Page,
  proc: string,
  input: unknown,
  kind: "query" | "mutation" = "mutation",
): Promise<unknown> {
  return page.evaluate(
    async ({ proc, input, kind }) => {
      const json = { "content-type": "application/json" };
      const refreshed = await fetch("/api/trpc/auth.refresh", {
        method: "POST",
        headers: json,
        body: "{}",
      });
      const token = ((await refreshed.json()) as { result: { data: { accessToken: string } } })
        .result.data.accessToken;
      const authorization = `Bearer ${token}`;
      const res =
        kind === "query"
          ? await fetch(
              input === undefined
                ? `/api/trpc/${proc}`
                : `/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`,
              { headers: { authorization } },
            )
          : await fetch(`/api/trpc/${proc}`, {
              method: "POST",
              headers: { ...json, authorization },
              body: JSON.stringify(input),
            });
      const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
      if (!res.ok) throw new Error(`${proc}: ${JSON.stringify(body.error)}`);
      return body.result?.data;
    },
    { proc, input, kind },
  );
}
