// A statement with its own short time limit (search plans use it to try the trigram plan briefly).
import { describe, expect, it } from "vitest";
import { query, queryWithin } from "../../src/platform/db";

describe("queryWithin", () => {
  it("when the statement outlasts its limit, then it answers timeout and the pool still works", async () => {
    expect(await queryWithin(5, "select pg_sleep(0.2)")).toBe("timeout");
    expect((await query<{ n: number }>("select 2 as n")).rows[0]).toEqual({ n: 2 });
  });

  it("when the statement finishes in time, then its rows come back", async () => {
    const result = await queryWithin<{ n: number }>(1_000, "select $1::int as n", [7]);
    expect(result !== "timeout" && result.rows).toEqual([{ n: 7 }]);
  });
});
