// A look past the blank lines ahead of a reader, to tell a file that ends after them (cut short inside a string, then
// blank lines: json-array.ts, jsonl-pretty.ts) from one whose text goes on.
import type { Line } from '../../util/lines.ts';

/** Whether a line holds only whitespace, and only text (bytes that are not text are something). */
export function blankLine(l: Line): boolean {
  return !l.defect && l.binary === undefined && l.text.trim() === '';
}

/**
 * `lines`, with blankToEnd(): whether only blank lines are left before the end of the file. The lines it reads to tell
 * are held and given by next() in order, each read from `lines` once (a reader stays linear in the file's size).
 */
export class BlankAhead implements Iterator<Line> {
  private held: Line[] = [];
  private at = 0;
  private endsAfterHeld = false; // the held lines are all blank, and the file ends after them
  constructor(private readonly lines: Iterator<Line>) {}

  next(): IteratorResult<Line> {
    if (this.at < this.held.length) return { done: false, value: this.held[this.at++]! };
    return this.lines.next();
  }

  blankToEnd(): boolean {
    if (this.at < this.held.length) return this.endsAfterHeld; // those left: the same blank run, and what ends it
    this.held = [];
    this.at = 0;
    for (;;) {
      const r = this.lines.next();
      if (r.done) return (this.endsAfterHeld = true);
      this.held.push(r.value);
      if (!blankLine(r.value)) return (this.endsAfterHeld = false);
    }
  }

  return(value?: unknown): IteratorResult<Line> {
    return this.lines.return?.(value) ?? { done: true, value };
  }
}
