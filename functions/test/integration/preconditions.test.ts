// Issue 11, finding 7: conditional headers per RFC 9110 and search totals that are never inflated.
import { describe, expect, it } from "vitest";
import { handler as getTask } from "../../src/handlers/get-task";
import { handler as listTasks } from "../../src/handlers/list-tasks";
import { handler as updateTask } from "../../src/handlers/update-task";
import { invoke } from "../support/events";
import { makeTask } from "../support/factories";

describe("If-Match and If-None-Match", () => {
  const patch = (id: string, ifMatch: string) =>
    invoke(updateTask, {
      method: "PATCH",
      pathParameters: { id },
      headers: { "if-match": ifMatch },
      body: { title: "p" },
    });

  it("when If-Match is a weak tag of the current version, then it never matches (412, strong comparison)", async () => {
    const task = await makeTask();
    const response = await patch(task.id, 'W/"1"');
    expect(response.statusCode, response.body).toBe(412);
    expect(response.headers.ETag).toBe('"1"');
  });

  it.each(['"1', '1"', "yesterday", '"1",,', ""])(
    "when If-Match is malformed (%j), then it answers 400 naming the header",
    async (header) => {
      const task = await makeTask();
      const response = await patch(task.id, header);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error.details[0].path).toBe("If-Match");
    },
  );

  it("when If-Match is * or the current strong tag, then the write happens", async () => {
    const task = await makeTask();
    expect((await patch(task.id, "*")).statusCode).toBe(200);
    expect((await patch(task.id, '"2"')).statusCode).toBe(200);
  });

  it.each(['W/"1"', "*", '"7", "1"'])(
    "when If-None-Match is %s for the current version, then GET answers 304",
    async (header) => {
      const task = await makeTask();
      const response = await invoke(getTask, {
        pathParameters: { id: task.id },
        headers: { "if-none-match": header },
      });
      expect(response.statusCode).toBe(304);
      expect(response.headers.ETag).toBe('"1"');
    },
  );

  it("when If-None-Match names another version, then GET answers 200", async () => {
    const task = await makeTask();
    const response = await invoke(getTask, {
      pathParameters: { id: task.id },
      headers: { "if-none-match": 'W/"2"' },
    });
    expect(response.statusCode).toBe(200);
  });
});

describe("search totals", () => {
  it("when a search asks for a position far past its matches, then the total is not the position", async () => {
    const response = await invoke(listTasks, {
      path: "/tasks",
      query: { q: "zzzqqq", offset: "1000000000" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().total.value).toBeLessThan(1_000_000_000);
  });
});
