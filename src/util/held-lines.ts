// A data file's lines (readDataLines) read from disk once for a reader that looks ahead before it reads them all: the
// JSON reader finds the first character and whether the first line is an array a line (json.ts), then reads the file
// from its start as a JSON array or as JSON Lines. Read anew each time, a one-line array of 5 GB was read three times.
// The lines looked at are held (at least the first, up to HOLD_BYTES), and given again before the rest; past that the
// look-ahead went far (arrays a line, one after another) and the file is read again from its start instead.
import { readDataLines, type Line } from './lines.ts';

/** How many bytes of lines looked at are held to be given again (more than the first line's: the file is read again). */
const HOLD_BYTES = 64 << 20;

export class HeldLines {
  private source: Generator<Line>; // the file read: anew in all() where a look went past what is held
  private held: Line[] = [];
  private heldBytes = 0;
  private overflow = false; // a line looked at was not held: the lines are read again from the file's start
  private sourceDone = false;

  constructor(private readonly file: string, private readonly holdBytes = HOLD_BYTES) {
    this.source = readDataLines(file);
  }

  /** The lines from the file's start, looked at: those held, then the next ones read, held while they fit. */
  *look(): Generator<Line> {
    if (this.overflow) {
      yield* readDataLines(this.file); // the lines not held are past: from the start again
      return;
    }
    let i = 0;
    for (;;) {
      if (i < this.held.length) {
        yield this.held[i++]!;
        continue;
      }
      if (this.sourceDone) return;
      const r = this.source.next();
      if (r.done === true) {
        this.sourceDone = true;
        return;
      }
      if (this.held.length === 0 || this.heldBytes + r.value.bytes <= this.holdBytes) {
        this.held.push(r.value);
        this.heldBytes += r.value.bytes;
        i++;
      } else {
        this.overflow = true;
      }
      yield r.value;
      if (this.overflow) {
        // the rest of this look, not held: all() reads the file again
        for (let r = this.source.next(); r.done !== true; r = this.source.next()) yield r.value;
        this.sourceDone = true;
        return;
      }
    }
  }

  /** The file's lines from its start, read once more where a look went past what is held; the held ones let go as given. */
  *all(): Generator<Line> {
    if (this.overflow) {
      // read from the start as the source, so that close() closes it too (a reader left before the file's end)
      this.close();
      this.source = readDataLines(this.file);
      this.sourceDone = false;
    }
    try {
      const held = this.held;
      this.held = [];
      for (let i = 0; i < held.length; i++) {
        const l = held[i]!;
        held[i] = undefined!; // let go: a one-line array's line may be hundreds of MB
        yield l;
      }
      if (!this.sourceDone) for (let r = this.source.next(); r.done !== true; r = this.source.next()) yield r.value;
    } finally {
      this.close();
    }
  }

  /** Closes the file (a reader that took another way: the object that wraps the records, read anew). */
  close(): void {
    this.held = [];
    this.sourceDone = true;
    this.source.return(undefined);
  }
}
