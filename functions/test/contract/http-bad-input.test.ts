import { describe, expect, inject, it } from "vitest";
import { authHeaders } from "../support/tokens";

const api = inject("apiUrl");

interface Probe {
  name: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  status: number;
}

const json = { "content-type": "application/json" };

const probes: Probe[] = [
  { name: "malformed JSON", method: "POST", path: "/tasks", body: '{"title":', headers: json, status: 400 },
  {
    name: "wrong content type",
    method: "POST",
    path: "/tasks",
    body: "title=x",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
  },
  {
    name: "unknown field",
    method: "POST",
    path: "/tasks",
    body: '{"title":"x","admin":true}',
    headers: json,
    status: 422,
  },
  { name: "blank title", method: "POST", path: "/tasks", body: '{"title":"  "}', headers: json, status: 422 },
  {
    name: "oversize body",
    method: "POST",
    path: "/tasks",
    body: JSON.stringify({ title: "x", description: "d".repeat(100_000) }),
    headers: json,
    status: 413,
  },
  { name: "limit of 0", method: "GET", path: "/tasks?limit=0", status: 400 },
  { name: "limit of 10^9", method: "GET", path: "/tasks?limit=1000000000", status: 400 },
  { name: "negative position", method: "GET", path: "/tasks?offset=-1", status: 400 },
  { name: "overflowing position", method: "GET", path: "/tasks?offset=99999999999999999999999", status: 400 },
  { name: "unknown sort key", method: "GET", path: "/tasks?sort=secret", status: 400 },
  { name: "unknown filter", method: "GET", path: "/tasks?owner=me", status: 400 },
  { name: "tampered cursor", method: "GET", path: "/tasks?cursor=eyJxIjoiYWJjIn0", status: 400 },
  {
    name: "SQL in a filter",
    method: "GET",
    path: `/tasks?assignee=${encodeURIComponent("' or 1=1 --")}`,
    status: 200,
  },
  { name: "non-numeric id", method: "GET", path: "/tasks/abc", status: 400 },
  { name: "out-of-range id", method: "GET", path: "/tasks/99999999999999999999", status: 400 },
  { name: "missing task", method: "GET", path: "/tasks/9223372036854775807", status: 404 },
  {
    name: "PATCH with bad If-Match",
    method: "PATCH",
    path: "/tasks/1",
    body: '{"title":"x"}',
    headers: { ...json, "if-match": "nope" },
    status: 400,
  },
  { name: "DELETE of a non-numeric id", method: "DELETE", path: "/tasks/1;drop", status: 400 },
];

describe("bad input over HTTP", () => {
  it.each(probes)(
    "when sending $name, then the answer is $status with the JSON error shape",
    async (probe) => {
      const response = await fetch(`${api}${probe.path}`, {
        method: probe.method,
        body: probe.body,
        headers: { ...authHeaders("editor"), ...probe.headers },
      });
      expect(response.status).toBe(probe.status);
      const body = await response.json();
      if (probe.status >= 400) {
        expect(body.error).toEqual(
          expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
        );
      }
    },
  );
});
