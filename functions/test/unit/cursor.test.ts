import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/platform/errors";
import { decodeCursor, encodeCursor, queryFingerprint } from "../../src/tasks/cursor";

const sort = { key: "title" as const, direction: "asc" as const };

describe("cursors", () => {
  it("when a cursor is encoded and decoded for the same query, then it round-trips", () => {
    const q = queryFingerprint(sort, {});
    const cursor = { q, k: "Alpha", i: "42", d: "n" as const };
    expect(decodeCursor(encodeCursor(cursor), q)).toEqual(cursor);
  });

  it("when equivalent filters are listed in another order, then the fingerprint is the same", () => {
    expect(queryFingerprint(sort, { status: ["todo", "done"] })).toBe(
      queryFingerprint(sort, { status: ["done", "todo"] }),
    );
    expect(queryFingerprint(sort, { status: ["todo"] })).not.toBe(
      queryFingerprint(sort, { status: ["done"] }),
    );
  });

  it.each([
    "not a cursor!",
    Buffer.from("{").toString("base64url"),
    Buffer.from(JSON.stringify({ q: "x", k: 1 })).toString("base64url"),
    Buffer.from(JSON.stringify({ q: "aaaaaaaaaaaa", k: "a", i: "0", d: "n" })).toString("base64url"),
  ])("when the cursor %s is tampered with, then it is a 400 invalid_cursor", (raw) => {
    try {
      decodeCursor(raw, queryFingerprint(sort, {}));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).statusCode).toBe(400);
      expect((error as HttpError).code).toBe("invalid_cursor");
    }
  });

  it("when a cursor from another query is replayed, then it is refused", () => {
    const other = encodeCursor({ q: queryFingerprint(sort, { q: "x" }), k: "a", i: "1", d: "n" });
    expect(() => decodeCursor(other, queryFingerprint(sort, {}))).toThrow(/different sort or filter/);
  });
});
