// Test data goes in through the real HTTP API; every test run tags its tasks so it can look at
// exactly them, whatever else the database holds.
import type { Task, TaskPage } from "#contract/schemas";
import { authHeaders, withAuth } from "../../../../functions/test/support/tokens";

export function runTag(): string {
  return `bt${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export async function apiJson<T>(
  api: string,
  pathname: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${api}${pathname}`, {
    ...init,
    headers: { "content-type": "application/json", ...authHeaders("admin"), ...init.headers },
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

const created = new Set<string>();

/** Remembers a task a test made (through the API or the UI) so `removeCreated` can delete it. */
export function track(id: string): void {
  created.add(id);
}

export async function createTask(api: string, input: Partial<Task> & { title: string }): Promise<Task> {
  const { status, body } = await apiJson<Task>(api, "/tasks", {
    method: "POST",
    body: JSON.stringify(input),
  });
  if (status !== 201) throw new Error(`create failed: ${status} ${JSON.stringify(body)}`);
  track(body.id);
  return body;
}

/** Deletes what this file's tests created, so a shared database does not fill up with test rows. */
export async function removeCreated(api: string): Promise<void> {
  for (const id of created) await fetch(`${api}/tasks/${id}`, withAuth({ method: "DELETE" })).catch(() => {});
  created.clear();
}

export async function listTasks(api: string, query: string): Promise<TaskPage> {
  const { status, body } = await apiJson<TaskPage>(api, `/tasks?${query}`);
  if (status !== 200) throw new Error(`list failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export async function waitForApi(api: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${api}/health`);
      if (response.status < 500) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`The API at ${api} did not answer /health (${last}). Start it (npm start) or set API_URL.`);
}
