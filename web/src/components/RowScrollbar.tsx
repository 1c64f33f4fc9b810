import {
  type KeyboardEvent,
  type PointerEvent,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import { rangeLabel, thumbFor, topForThumb } from "../lib/row-window";
import type { Signal } from "../lib/signal";

export interface GridPosition {
  /** Fractional global index of the top visible row. */
  top: number;
  first: number;
  last: number;
  total: number;
  exact: boolean;
  visibleRows: number;
}

interface RowScrollbarProps {
  position: Signal<GridPosition>;
  controls: string;
  onJump: (topRow: number) => void;
  /** A drag of the thumb starts (true) or ends (false). */
  onDrag: (active: boolean) => void;
}

/**
 * The scrollbar for the whole list (the native one only spans the current window). Dragging the
 * thumb to the bottom of the track shows the last row; it is also a slider for keyboards and
 * screen readers.
 */
export function RowScrollbar({ position, controls, onJump, onDrag }: RowScrollbarProps) {
  const state = useSyncExternalStore(position.subscribe, position.get);
  const track = useRef<HTMLDivElement>(null);
  const [trackPx, setTrackPx] = useState(0);
  const drag = useRef<{ grabOffset: number; frame: number; target: number | null } | null>(null);

  useEffect(() => {
    const element = track.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setTrackPx(element.clientHeight));
    observer.observe(element);
    setTrackPx(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  const { total, visibleRows } = state;
  const thumb = thumbFor(state.top, total, visibleRows, trackPx);
  const page = Math.max(1, Math.floor(visibleRows) - 1);
  const disabled = total <= Math.floor(visibleRows);

  const jumpToPointer = (clientY: number) => {
    const current = drag.current;
    const element = track.current;
    if (!current || !element) return;
    const offset = clientY - element.getBoundingClientRect().top - current.grabOffset;
    current.target = topForThumb(offset, total, visibleRows, trackPx, thumb.size);
    // One jump per frame however fast the pointer moves.
    if (!current.frame) {
      current.frame = requestAnimationFrame(() => {
        if (!drag.current) return;
        drag.current.frame = 0;
        if (drag.current.target !== null) onJump(drag.current.target);
      });
    }
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0 || disabled || !track.current) return;
    event.preventDefault();
    const onThumb = (event.target as HTMLElement).classList.contains("scrollbar-thumb");
    const y = event.clientY - track.current.getBoundingClientRect().top;
    drag.current = { grabOffset: onThumb ? y - thumb.offset : thumb.size / 2, frame: 0, target: null };
    event.currentTarget.setPointerCapture(event.pointerId);
    onDrag(true);
    event.currentTarget.focus({ preventScroll: true });
    jumpToPointer(event.clientY);
  };

  const onPointerUp = () => {
    if (drag.current?.frame) cancelAnimationFrame(drag.current.frame);
    const wasDragging = drag.current !== null;
    if (drag.current?.target != null) onJump(drag.current.target);
    drag.current = null;
    if (wasDragging) onDrag(false);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const moves: Record<string, number> = {
      ArrowDown: state.first + 1,
      ArrowUp: state.first - 1,
      PageDown: state.first + page,
      PageUp: state.first - page,
      Home: 0,
      End: total,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    onJump(target);
  };

  return (
    <div
      ref={track}
      className={`scrollbar${disabled ? " disabled" : ""}`}
      role="slider"
      tabIndex={disabled ? -1 : 0}
      aria-label="Position in the task list"
      aria-controls={controls}
      aria-orientation="vertical"
      aria-valuemin={1}
      aria-valuemax={Math.max(1, total)}
      aria-valuenow={Math.min(total, state.first + 1)}
      aria-valuetext={rangeLabel(total > 0 ? state : null, total, state.exact)}
      aria-disabled={disabled || undefined}
      data-testid="row-scrollbar"
      onPointerDown={onPointerDown}
      onPointerMove={(event) => drag.current && jumpToPointer(event.clientY)}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onKeyDown={onKeyDown}
    >
      <div
        className="scrollbar-thumb"
        style={{ height: thumb.size, transform: `translateY(${thumb.offset}px)` }}
      />
    </div>
  );
}

export function PositionLabel({ position }: { position: Signal<GridPosition> }) {
  const state = useSyncExternalStore(position.subscribe, position.get);
  return (
    <span className="position-label" data-testid="position-label">
      {rangeLabel(state.total > 0 ? state : null, state.total, state.exact)}
    </span>
  );
}
