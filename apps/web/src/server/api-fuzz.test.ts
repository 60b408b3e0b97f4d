/**
 * Fuzzing Hearth's API over real HTTP: random JSON (and non-JSON) to every procedure, as
 * query or mutation, signed in or not, alone or batched. Every answer is a typed 4xx or a
 * success, never a 500, and the store is consistent afterwards.
 */
import { appRouter } from "@hearth/api";
import { checkConsistency } from "@hearth/db";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browser, clientFor, register, startApiServer, testClock } from "./api-test-helpers";
import type { TestServer } from "./testing";
import { DEFAULT_MAX_BATCH_SIZE } from "./trpc-handler";

let ts: TestServer;
let token = "";
let sessionId = "";
const clock = testClock();

beforeAll(async () => {
  ts = await startApiServer({ clock: clock.now });
  const { api, res } = await register(ts, {
    email: "fuzz@hearth.test",
    password: "fuzzing fuzzing",
    firstName: "F",
    lastName: "Z",
  });
  token = res.accessToken;
  sessionId = (await api.workspace.create.mutate({ name: "w", path: "w", tags: ["t"] })).id;
});

afterAll(async () => {
  if (ts) expect(await checkConsistency(ts.store)).toEqual([]);
  await ts?.stop();
});

const procedures = Object.entries(appRouter._def.procedures).map(([path, p]) => ({
  path,
  type: (p as unknown as { _def: { type: string } })._def.type,
}));

const nasty = fc.constantFrom<unknown>(
  "__proto__",
  "\u0000",
  "\uD800",
  "../..",
  "",
  -1,
  1e308,
  null,
  [],
  {},
  JSON.parse('{"__proto__":{"polluted":true}}'),
);
const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nasty, fc.constant("SESSION"));
const shaped = fc.dictionary(
  fc.constantFrom(
    "id",
    "name",
    "path",
    "tags",
    "baseRev",
    "editor",
    "buffers",
    "email",
    "password",
    "token",
    "tenantId",
    "userId",
    "limit",
    "cursor",
    "role",
  ),
  value,
  { maxKeys: 5 },
);

/** A raw body: JSON of random values, or bytes that are not JSON at all. */
const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .oneof(fc.jsonValue({ maxDepth: 4 }), shaped, nasty)
      .map((v) => JSON.stringify(v) ?? ""),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
  { weight: 1, arbitrary: fc.constantFrom("{", "[1,", '{"a":}', "nul", "\u0000", "{}}") },
);

async function signInAgain(): Promise<string> {
  const login = () =>
    clientFor(ts, browser()).auth.login.mutate({
      email: "fuzz@hearth.test",
      password: "fuzzing fuzzing",
    });
  try {
    return (await login()).accessToken;
  } catch {
    // Fuzzed logins from this address may have used up its failures: wait the window out.
    clock.advance(16 * 60_000);
    return (await login()).accessToken;
  }
}

describe("HTTP fuzzing", () => {
  it("random requests to every procedure never get a 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...procedures),
        body,
        fc.boolean(),
        fc.constantFrom("GET", "POST"),
        fc.constantFrom("application/json", "text/plain", ""),
        async (proc, raw, signedIn, method, contentType) => {
          const text = raw.replaceAll('"SESSION"', JSON.stringify(sessionId));
          const headers: Record<string, string> = { origin: ts.url };
          if (signedIn) headers.authorization = `Bearer ${token}`;
          if (contentType) headers["content-type"] = contentType;
          const url =
            method === "GET"
              ? `${ts.trpcUrl}/${proc.path}?input=${encodeURIComponent(text)}`
              : `${ts.trpcUrl}/${proc.path}`;
          const abort = new AbortController();
          const res = await fetch(url, {
            method,
            headers,
            signal: abort.signal,
            ...(method === "POST" ? { body: text } : {}),
          });
          // A subscription that starts answers as an event stream that does not end (SSE):
          // its status is what counts.
          const streaming = res.headers.get("content-type")?.startsWith("text/event-stream");
          const answer = streaming ? "(event stream)" : await res.text();
          if (streaming) abort.abort();
          expect(
            res.status,
            `${method} ${proc.path} ${text.slice(0, 200)} → ${answer.slice(0, 300)}`,
          ).toBeLessThan(500);
          // A sign-out or switch among the inputs ends this token: sign in again.
          if (signedIn && res.status === 401) token = await signInAgain();
        },
      ),
      { numRuns: 400 },
    );
  });

  it("random batches never get a 500, answer call by call, and are refused whole past 16 calls", async () => {
    await fc.assert(
      fc.asyncProperty(
        // One kind per batch, as tRPC requires: queries by GET, mutations by POST.
        fc.constantFrom("query", "mutation").chain((kind) =>
          fc.array(fc.constantFrom(...procedures.filter((p) => p.type === kind)), {
            minLength: 1,
            maxLength: 20,
            size: "max",
          }),
        ),
        fc.array(fc.oneof(shaped, fc.jsonValue({ maxDepth: 3 }), nasty), {
          maxLength: 20,
          size: "max",
        }),
        fc.boolean(),
        fc.boolean(),
        async (calls, inputs, signedIn, garbled) => {
          const method = calls[0]!.type === "query" ? "GET" : "POST";
          const byIndex = Object.fromEntries(inputs.slice(0, calls.length).map((v, i) => [i, v]));
          const text = garbled
            ? "{"
            : (JSON.stringify(byIndex) ?? "{}").replaceAll('"SESSION"', JSON.stringify(sessionId));
          const headers: Record<string, string> = {
            origin: ts.url,
            "content-type": "application/json",
          };
          if (signedIn) headers.authorization = `Bearer ${token}`;
          const paths = calls.map((c) => c.path).join(",");
          const url =
            method === "GET"
              ? `${ts.trpcUrl}/${paths}?batch=1&input=${encodeURIComponent(text)}`
              : `${ts.trpcUrl}/${paths}?batch=1`;
          const res = await fetch(url, {
            method,
            headers,
            ...(method === "POST" ? { body: text } : {}),
          });
          const answer = await res.text();
          const what = `${method} ${paths} ${text.slice(0, 200)} → ${answer.slice(0, 300)}`;
          expect(res.status, what).toBeLessThan(500);
          const parsed = JSON.parse(answer) as unknown;
          if (calls.length > DEFAULT_MAX_BATCH_SIZE) {
            // Refused before any call runs, as one error.
            expect(res.status, what).toBe(400);
            expect(Array.isArray(parsed), what).toBe(false);
            return;
          }
          if (Array.isArray(parsed)) {
            expect(parsed, what).toHaveLength(calls.length);
            for (const one of parsed as Array<{ error?: { data: { httpStatus: number } } }>) {
              expect(one.error?.data.httpStatus ?? 200, what).toBeLessThan(500);
            }
          }
          if (signedIn && answer.includes('"httpStatus":401')) token = await signInAgain();
        },
      ),
      { numRuns: 150 },
    );
  });
});
