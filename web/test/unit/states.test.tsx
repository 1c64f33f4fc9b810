// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorBoundary } from "../../src/components/ErrorBoundary";
import { EmptyState, LoadError } from "../../src/components/StateMessages";
import { SEARCH_DEBOUNCE_MS, Toolbar } from "../../src/components/Toolbar";
import { ApiError } from "../../src/lib/api";
import { DEFAULT_VIEW, type ViewState } from "../../src/lib/url-state";

/** Throws while rendering until told otherwise (the error boundary's test). */
const fragile = { fail: true };
function Fragile() {
  if (fragile.fail) throw new Error("kaput");
  return <p>recovered</p>;
}

/** The toolbar with its view state kept, as the grid keeps it. */
function Harness({ onChange }: { onChange: (patch: Partial<ViewState>) => void }) {
  const [view, setView] = useState(DEFAULT_VIEW);
  return (
    <Toolbar
      view={view}
      loading={false}
      onCreate={vi.fn()}
      onChange={(patch) => {
        onChange(patch);
        setView((current) => ({ ...current, ...patch }));
      }}
    />
  );
}

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("empty and error states", () => {
  it("when filters hide every task, then the empty state says so and offers to clear them", () => {
    const onClear = vi.fn();
    render(<EmptyState filtered onClear={onClear} onCreate={vi.fn()} />);
    expect(screen.getByText("No tasks match these filters")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(onClear).toHaveBeenCalled();
  });

  it("when there are no tasks at all, then the empty state offers to create one", () => {
    render(<EmptyState filtered={false} onClear={vi.fn()} onCreate={vi.fn()} />);
    expect(screen.getByText("No tasks yet")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Create a task" })).toBeTruthy();
  });

  it("when the API is unreachable, then the message names the address and offers a retry", () => {
    const onRetry = vi.fn();
    render(<LoadError error={new ApiError(0, "unreachable", "x")} onRetry={onRetry} />);
    expect(screen.getByRole("alert").textContent).toContain("cannot be reached");
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(onRetry).toHaveBeenCalled();
  });

  it("when a child throws while rendering, then the boundary shows the error and Try again remounts it", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    fragile.fail = true;
    render(
      <ErrorBoundary>
        <Fragile />
      </ErrorBoundary>,
    );
    expect(screen.getByRole("alert").textContent).toContain("kaput");
    fragile.fail = false;
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(screen.getByText("recovered")).toBeTruthy();
  });
});

describe("Toolbar", () => {
  it("when typing a search, then one request-worthy change follows the pause and the box shows it is pending", () => {
    vi.useFakeTimers();
    const onChange = vi.fn();
    const { container } = render(<Harness onChange={onChange} />);
    const box = screen.getByLabelText("Search task titles");
    for (const text of ["i", "in", "inv"]) fireEvent.change(box, { target: { value: text } });
    expect(container.querySelector(".search.pending")).not.toBeNull();
    expect(onChange).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS + 10));
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenCalledWith({ q: "inv" });
    expect(container.querySelector(".search.pending")).toBeNull();
  });

  it("when a status chip is pressed, then the filter toggles and the chip reports it", () => {
    const onChange = vi.fn();
    render(<Harness onChange={onChange} />);
    const chip = screen.getByRole("button", { name: "Blocked" });
    fireEvent.click(chip);
    expect(onChange).toHaveBeenLastCalledWith({ status: ["blocked"] });
    expect(chip.getAttribute("aria-pressed")).toBe("true");
    fireEvent.click(chip);
    expect(onChange).toHaveBeenLastCalledWith({ status: [] });
  });
});
