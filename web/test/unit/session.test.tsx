// @vitest-environment happy-dom
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Toolbar } from "../../src/components/Toolbar";
import { listTasks } from "../../src/lib/api";
import { withToken } from "../../src/lib/live";
import { accessToken, loadSession, switchUser, writeAccess } from "../../src/lib/session";
import { DEFAULT_VIEW } from "../../src/lib/url-state";

const users = [
  { id: "vera", name: "Vera Viewer", role: "viewer", token: "t-vera" },
  { id: "alice", name: "Alice Editor", role: "editor", token: "t-alice" },
  { id: "ada", name: "Ada Admin", role: "admin", token: "t-ada" },
];

function serveSession(body: unknown, status = 200) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => Response.json(body, { status })),
  );
}

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the development session", () => {
  it("when /dev-session.json names a default user, then the site signs in as that user", async () => {
    serveSession({ defaultUser: "alice", users });
    const session = await loadSession();
    expect(session.current?.id).toBe("alice");
    expect(accessToken()).toBe("t-alice");
  });

  it("when the user menu switches user, then the token changes and the choice is remembered", async () => {
    serveSession({ defaultUser: "alice", users });
    await loadSession();
    switchUser("ada");
    expect(accessToken()).toBe("t-ada");
    await loadSession();
    expect(accessToken()).toBe("t-ada");
  });

  it("when the site has no development session (a production build), then nobody is signed in", async () => {
    serveSession({ error: { code: "not_found" } }, 404);
    const session = await loadSession();
    expect(session.current).toBeNull();
    expect(accessToken()).toBeUndefined();
  });

  it("when a viewer is signed in, then writing is refused with a reason; editors and admins may write", () => {
    expect(writeAccess(users[0] as never)).toEqual({
      canWrite: false,
      whyNot: "Vera Viewer is a viewer: viewers can read tasks but not change them",
    });
    expect(writeAccess(users[1] as never).canWrite).toBe(true);
    expect(writeAccess(users[2] as never).canWrite).toBe(true);
  });
});

describe("the token on the wire", () => {
  it("when the API is called, then the signed-in user's token goes as a bearer header", async () => {
    serveSession({ defaultUser: "vera", users });
    await loadSession();
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      Response.json({ items: [], nextCursor: null, prevCursor: null, total: { value: 0, exact: true } }),
    );
    vi.stubGlobal("fetch", fetchMock);
    await listTasks({}, { limit: 10 });
    const headers = fetchMock.mock.calls[0]?.[1]?.headers as Record<string, string>;
    expect(headers.authorization).toBe("Bearer t-vera");
  });

  it("when the WebSocket connects, then the token rides in the query, escaped", () => {
    expect(withToken("ws://h:3001", "a.b+c")).toBe("ws://h:3001?token=a.b%2Bc");
    expect(withToken("ws://h:3001?x=1", "t")).toBe("ws://h:3001?x=1&token=t");
    expect(withToken("ws://h:3001", undefined)).toBe("ws://h:3001");
  });
});

describe("the toolbar for each role", () => {
  it("when a viewer is signed in, then New task is disabled and its title says why; for an editor it is enabled", async () => {
    serveSession({ defaultUser: "vera", users });
    await loadSession();
    render(<Toolbar view={DEFAULT_VIEW} loading={false} onChange={() => {}} onCreate={() => {}} />);
    const button = screen.getByRole("button", { name: "New task" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.title).toMatch(/viewer/);
    act(() => switchUser("alice"));
    expect(button.disabled).toBe(false);
    expect(button.title).toBe("");
  });
});
