// A progress bar on stderr: step/total, a bar, rate (in the total's unit: MB/s, rows/s) and ETA, plus caller-supplied fields.
// On a terminal it redraws one line, cut to the terminal's width (a line that wrapped would leave its first rows
// behind at every redraw: an 80-column terminal filled with them); otherwise it prints a whole line at most every
// `everyMs` (default 10 s). Nothing is drawn while setQuiet(true) is on (prepare --quiet; a library caller's choice).
import { isQuiet } from './log.ts';

export interface ProgressOptions {
  label: string;
  total: number;
  unit?: string;
  everyMs?: number;
  stream?: NodeJS.WriteStream;
  /**
   * Units done before this bar started (a resumed run's steps): counted in the bar and its fraction, not in the
   * rate or ETA, which measure this process's own progress (901/1000 steps a second after a resume is not 901/s).
   */
  startAt?: number;
  /** Milliseconds on a monotonic clock (default performance.now). */
  clock?: () => number;
}

export class Progress {
  private done: number;
  private readonly startAt: number;
  private readonly clock: () => number;
  private readonly start: number;
  private lastDraw = 0;
  private drawnAt = -1;
  /** The fields of the last tick, which finish() draws again when given none (on a terminal it redraws the line). */
  private lastFields: Record<string, string> = {};
  private readonly tty: boolean;
  private readonly stream: NodeJS.WriteStream;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.startAt = opts.startAt ?? 0;
    this.done = this.startAt;
    this.clock = opts.clock ?? (() => performance.now());
    this.start = this.clock();
  }

  /** Advances by `n` and redraws (throttled) with extra fields such as "loss 2.31". */
  tick(n = 1, fields: Record<string, string> = {}): void {
    this.done += n;
    if (Object.keys(fields).length > 0) this.lastFields = fields;
    const now = this.clock();
    const every = this.tty ? 100 : (this.opts.everyMs ?? 10_000);
    if (now - this.lastDraw < every && this.done < this.opts.total) return;
    this.lastDraw = now;
    this.draw(fields);
  }

  /** The text of the line as it would be drawn now. */
  line(fields: Record<string, string> = {}): string {
    const { total, label, unit = '' } = this.opts;
    const frac = total > 0 ? Math.min(1, this.done / total) : 0;
    const width = 24;
    const fill = Math.round(frac * width);
    const bar = '█'.repeat(fill) + '░'.repeat(width - fill);
    const elapsed = (this.clock() - this.start) / 1000;
    const rate = elapsed > 0 ? (this.done - this.startAt) / elapsed : 0;
    const eta = this.done >= total ? 0 : rate > 0 ? (total - this.done) / rate : NaN; // nothing left (a run resumed at its last step): 0s, not unknown
    const extra = Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(' | ');
    const inUnit = unit ? ' ' + unit : '';
    // the rate in the total's unit: "96/600 MB | 0.34 MB/s", "51/51 steps | 0.41 steps/s"
    return `${label} ${bar} ${this.done}/${total}${inUnit} | ${formatRate(rate)}${inUnit}/s | ETA ${formatDuration(eta)}${extra ? ' | ' + extra : ''}`;
  }

  private draw(fields: Record<string, string>): void {
    if (isQuiet()) return;
    this.drawnAt = this.done;
    const text = this.line(fields);
    if (this.tty) this.stream.write(`\r\x1b[2K${fitWidth(text, this.stream.columns)}`);
    else this.stream.write(text + '\n');
  }

  /** Ends the line (on a terminal) so later output starts fresh. */
  finish(fields: Record<string, string> = {}): void {
    const given = Object.keys(fields).length > 0;
    if (this.tty || this.drawnAt !== this.done || given) this.draw(given ? fields : this.lastFields);
    if (this.tty && !isQuiet()) this.stream.write('\n');
  }
}

/**
 * `text` cut to fit a terminal `columns` wide, in one row short of its last column (where a character would wrap
 * the cursor on some terminals): its last " | " fields dropped while it does not fit, then its end cut.
 */
export function fitWidth(text: string, columns: number | undefined): string {
  if (!columns || columns < 2) return text;
  const room = columns - 1;
  let fitted = text;
  while ([...fitted].length > room && fitted.includes(' | ')) fitted = fitted.slice(0, fitted.lastIndexOf(' | '));
  return [...fitted].slice(0, room).join('');
}

function formatRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
