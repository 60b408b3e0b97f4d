import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, expectCode, type Harness, shapeOf } from "./testing/harness";

let h: Harness;
let closed = false;

beforeEach(async () => {
  h = await createHarness();
  closed = false;
});
afterEach(async () => {
  if (!closed) await h.close();
});

describe("error shapes", () => {
  it("invalid input is BAD_REQUEST with a sentence and the flattened zod issues", async () => {
    const ada = await h.register();
    const err = await expectCode(
      (await ada.client.api()).workspace.create({ name: "", path: "../x", tags: "nope" } as never),
      "BAD_REQUEST",
    );
    const shape = shapeOf(err);
    expect(shape.message).toMatch(/^Invalid input\. (name|path|tags): /);
    expect(shape.data.httpStatus).toBe(400);
    expect(Object.keys(shape.data.zodError!.fieldErrors).sort()).toEqual(["name", "path", "tags"]);
  });

  it("domain errors keep their sentence; other errors carry no zodError", async () => {
    const ada = await h.register();
    const err = await expectCode(
      (await ada.client.api()).workspace.get({ id: "01zzzzzzzzzzzzzzzzzzzzzzzz" }),
      "NOT_FOUND",
    );
    const shape = shapeOf(err);
    expect(shape.message).toBe("Workspace session 01zzzzzzzzzzzzzzzzzzzzzzzz was not found.");
    expect(shape.data).toMatchObject({ code: "NOT_FOUND", httpStatus: 404, zodError: null });
  });

  it("a failure of the server itself is INTERNAL_SERVER_ERROR without its details", async () => {
    const ada = await h.register();
    const api = await ada.client.api();
    await h.auth.drain();
    await h.store.close();
    closed = true;
    const err = await expectCode(api.workspace.list(), "INTERNAL_SERVER_ERROR");
    const shape = shapeOf(err);
    expect(shape.message).toBe("Something went wrong on the server.");
    expect(JSON.stringify(shape)).not.toMatch(/sqlite|closed/i);
  });
});
