// The WebSocket $connect verifies the `token` query parameter (browsers cannot set headers on a
// WebSocket): no token or a bad one refuses the handshake; a viewer's connects.
import { describe, expect, inject, it } from "vitest";
import { badCredentials, tokenFor } from "../support/tokens";

const wsUrl = inject("wsUrl");

function handshake(url: string): Promise<"open" | "refused"> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.close();
      resolve("refused");
    }, 10_000);
    socket.onopen = () => {
      clearTimeout(timer);
      socket.close();
      resolve("open");
    };
    socket.onerror = () => {
      clearTimeout(timer);
      resolve("refused");
    };
  });
}

describe("the WebSocket's $connect", () => {
  it("when no token is given, then the handshake is refused", async () => {
    expect(await handshake(wsUrl)).toBe("refused");
    expect(await handshake(`${wsUrl}?token=`)).toBe("refused");
  });

  it("when each kind of bad token is given, then the handshake is refused", async () => {
    for (const [kind, credential] of Object.entries(badCredentials())) {
      const token = credential.replace(/^\w+ /, "");
      expect(await handshake(`${wsUrl}?token=${encodeURIComponent(token)}`), kind).toBe("refused");
    }
  });

  it("when each role's token is given, then the connection opens", async () => {
    for (const role of ["viewer", "editor", "admin"] as const) {
      expect(await handshake(`${wsUrl}?token=${tokenFor(role)}`), role).toBe("open");
    }
  });
});
