import { describe, expect, it, vi } from "vitest";
import {
  backoffMs,
  type LiveCounters,
  type LiveEvent,
  LiveFeed,
  type LiveStatus,
  mergeCounters,
  PING_MS,
} from "../../src/lib/live";

/** A socket the test drives by hand. */
class FakeSocket {
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.onclose?.();
  }
  open() {
    this.onopen?.();
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

const counters = (created: number, updated = 0): LiveCounters => ({
  created,
  updated,
  deleted: 0,
  byStatus: {
    created: { todo: created, in_progress: 0, blocked: 0, done: 0 },
    updated: { todo: 0, in_progress: 0, blocked: 0, done: 0 },
    deleted: { todo: 0, in_progress: 0, blocked: 0, done: 0 },
  },
});

const updated = (seq: number, id = "1"): LiveEvent => ({
  seq,
  type: "task.updated",
  id,
  version: seq,
  task: { id, version: seq } as never,
});

function harness() {
  const sockets: FakeSocket[] = [];
  const events: number[] = [];
  const statuses: LiveStatus[] = [];
  const resyncs = vi.fn();
  const feed = new LiveFeed(
    {
      onEvent: (event) => events.push(event.seq),
      onResync: resyncs,
      onStatus: (status) => statuses.push(status),
      onCounters: () => {},
    },
    "ws://test",
    () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
  );
  return { feed, sockets, events, statuses, resyncs };
}

describe("the live feed client", () => {
  it("when the delay grows with attempts, then it doubles up to 15 s, with jitter below it", () => {
    expect(backoffMs(0, () => 1)).toBe(500);
    expect(backoffMs(3, () => 1)).toBe(4_000);
    expect(backoffMs(10, () => 1)).toBe(15_000);
    expect(backoffMs(10, () => 0)).toBe(7_500);
  });

  it("when counters arrive out of order, then none moves backwards", () => {
    const merged = mergeCounters(counters(10, 5), counters(8, 7));
    expect(merged.created).toBe(10);
    expect(merged.updated).toBe(7);
    expect(merged.byStatus.created.todo).toBe(10);
  });

  it("when broadcasts arrive before the sync reply, then they wait for it and apply once, in order", () => {
    const { feed, sockets, events, statuses } = harness();
    feed.start();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    expect(socket.sent).toEqual([{ action: "hello" }]);
    socket.receive({ type: "events", events: [updated(11), updated(12)] });
    expect(events).toEqual([]);
    socket.receive({ type: "sync", head: 11, complete: true, events: [] });
    expect(events).toEqual([12]);
    expect(statuses.at(-1)).toBe("live");
    feed.stop();
  });

  it("when a seq is skipped, then it asks for what it missed and applies it before what came after", () => {
    const { feed, sockets, events } = harness();
    feed.start();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    socket.receive({ type: "sync", head: 5, complete: true, events: [] });
    socket.receive({ type: "events", events: [updated(6), updated(8)] });
    expect(events).toEqual([6]);
    expect(socket.sent.at(-1)).toEqual({ action: "resync", since: 6 });
    socket.receive({ type: "sync", head: 8, complete: true, events: [updated(7), updated(8)] });
    expect(events).toEqual([6, 7, 8]);
    feed.stop();
  });

  it("when a pong says the server is ahead, then it asks for the events that never came, once; when it is not, nothing", () => {
    vi.useFakeTimers();
    try {
      const { feed, sockets, events } = harness();
      feed.start();
      const socket = sockets[0] as FakeSocket;
      socket.open();
      socket.receive({ type: "sync", head: 5, complete: true, events: [] });
      socket.receive({ type: "events", events: [updated(6)] });
      vi.advanceTimersByTime(PING_MS);
      expect(socket.sent.at(-1)).toEqual({ action: "ping" });
      socket.receive({ type: "pong", head: 6 });
      expect(socket.sent.at(-1)).toEqual({ action: "ping" });
      // Events 7 and 8 were published, but their post to this client failed and nothing followed.
      socket.receive({ type: "pong", head: 8 });
      expect(socket.sent.at(-1)).toEqual({ action: "resync", since: 6 });
      socket.receive({ type: "pong", head: 8 });
      expect(
        socket.sent.filter((message) => (message as { action: string }).action === "resync"),
      ).toHaveLength(1);
      socket.receive({ type: "sync", head: 8, complete: true, events: [updated(7), updated(8)] });
      expect(events).toEqual([6, 7, 8]);
      feed.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it("when the connection drops, then it goes offline, reconnects with backoff and resumes from its last seq", () => {
    vi.useFakeTimers();
    try {
      const { feed, sockets, events, statuses, resyncs } = harness();
      feed.start();
      (sockets[0] as FakeSocket).open();
      (sockets[0] as FakeSocket).receive({ type: "sync", head: 3, complete: true, events: [] });
      (sockets[0] as FakeSocket).close();
      expect(statuses.at(-1)).toBe("offline");
      vi.advanceTimersByTime(1_000);
      const second = sockets[1] as FakeSocket;
      second.open();
      expect(second.sent).toEqual([{ action: "hello", since: 3 }]);
      second.receive({ type: "sync", head: 5, complete: true, events: [updated(4), updated(5)] });
      expect(events).toEqual([4, 5]);
      // Too far behind: the grid reloads instead.
      second.close();
      vi.advanceTimersByTime(1_000);
      (sockets[2] as FakeSocket).open();
      (sockets[2] as FakeSocket).receive({ type: "sync", head: 90_000, complete: false, events: [] });
      expect(resyncs).toHaveBeenCalledTimes(1);
      feed.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
