/** A one-line progress bar redrawn in place on a terminal (carriage return, no newline until done). */

/** Where the bar is drawn: a terminal's stderr. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly columns?: number;
}

const DEFAULT_COLUMNS = 80;
/** The bar's share of the line: the rest is the label and the numbers. */
const BAR_WIDTH = 24;

export class ProgressBar {
  readonly #stream: ProgressStream;
  #drawn = false;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  /** Redraws the bar at `fraction` (0 … 1) with `detail` (what is being done) and `label` (which input). */
  update(label: string, fraction: number, detail: string): void {
    const clamped = Number.isFinite(fraction) ? Math.min(Math.max(fraction, 0), 1) : 0;
    const filled = Math.round(clamped * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
    const numbers = `${String(Math.floor(clamped * 100)).padStart(3)}% ${detail}`;
    const columns = this.#stream.columns ?? DEFAULT_COLUMNS;
    const room = Math.max(0, columns - bar.length - numbers.length - 3);
    const shown = label.length <= room ? label : `…${label.slice(label.length - room + 1)}`;
    this.#stream.write(`\r\x1b[2K${bar} ${numbers} ${room > 1 ? shown : ''}`);
    this.#drawn = true;
  }

  /** Erases the bar, so what is printed next starts on a clean line. */
  clear(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }
}
