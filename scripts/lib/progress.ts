// A one-line progress bar for command-line tools: redrawn in place on a terminal, one line per
// tenth of the work otherwise (CI logs), always on stderr so stdout stays machine-readable.
export interface ProgressOptions {
  total: number;
  label: string;
  unit: string;
  stream?: NodeJS.WriteStream;
}

const formatCount = (n: number) => Math.round(n).toLocaleString("en-US");

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export class ProgressBar {
  private done = 0;
  private lastDecile = -1;
  private readonly started = performance.now();
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
  }

  /** Advances by n units; `note` replaces the rate/ETA text (for phases without a rate). */
  tick(n: number, note?: string): void {
    this.done = Math.min(this.options.total, this.done + n);
    this.render(note);
  }

  finish(note?: string): void {
    this.done = this.options.total;
    this.render(note, true);
  }

  private render(note: string | undefined, final = false): void {
    const { total, label, unit } = this.options;
    const elapsed = performance.now() - this.started;
    const fraction = total === 0 ? 1 : this.done / total;
    const rate = elapsed > 0 ? (this.done / elapsed) * 1000 : 0;
    const eta = rate > 0 ? ((total - this.done) / rate) * 1000 : Number.NaN;
    const width = 28;
    const filled = Math.round(fraction * width);
    const text =
      `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ` +
      `${formatCount(this.done)}/${formatCount(total)} ${unit}  ` +
      (note ??
        `${formatCount(rate)} ${unit}/s  ${final ? `in ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`}`);
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${text}${final ? "\n" : ""}`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile || final) {
      this.lastDecile = decile;
      this.stream.write(`${text}\n`);
    }
  }
}
