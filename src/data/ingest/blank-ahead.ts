// A look past the blank lines ahead of a reader, to tell a file that ends after them (cut short inside a string, then
// blank lines: json-array.ts, jsonl-pretty.ts) from one whose text goes on.
import type { Line } from '../../util/lines.ts';

/** Whether a line holds only whitespace, and only text (bytes that are not text are something). */
export function blankLine(l: Line): boolean {
  return !l.defect && l.binary === undefined && l.text.trim() === '';
}

/** Whether `l` may be a line of a string's text between its first and its last: text with no quote that starts no value. */
export function insideLine(l: Line): boolean {
  const t = l.text.trimStart();
  return !l.defect && l.binary === undefined && !t.includes('"') && !t.startsWith('{') && !t.startsWith('[');
}

/**
 * `lines`, with blankToEnd(): whether only blank lines are left before the end of the file, and textAfterBlanks(). The lines it reads to tell
 * are held and given by next() in order, each read from `lines` once (a reader stays linear in the file's size).
 */
export class BlankAhead implements Iterator<Line> {
  private held: Line[] = [];
  private at = 0;
  private endsAfterHeld = false; // the held lines are all blank, and the file ends after them
  private after: boolean | undefined; // textAfterBlanks' answer for the held lines
  /**
   * With `textLines`, lines of text with no quote (insideLine: paragraphs of a string) are looked past as blank ones are,
   * up to `maxChars` characters of them (the held lines stay bounded: the last held is then taken for the text after).
   */
  constructor(private readonly lines: Iterator<Line>, private readonly textLines = false, private readonly maxChars = Infinity) {}

  next(): IteratorResult<Line> {
    if (this.at < this.held.length) return { done: false, value: this.held[this.at++]! };
    return this.lines.next();
  }

  blankToEnd(): boolean {
    this.look();
    return this.endsAfterHeld;
  }

  /**
   * Whether the first line after the blank lines ahead passes `test` (false where the file ends first): a string left
   * open before a blank line typed into it goes on there (json-array.ts). Asked once a run of blank lines (the answer
   * kept for the run's other lines), so that a reader stays linear.
   */
  textAfterBlanks(test: (l: Line) => boolean): boolean {
    this.look();
    return (this.after ??= !this.endsAfterHeld && test(this.held[this.held.length - 1]!));
  }

  /** Holds the lines up to the first that is not blank (nor text, with textLines), or the end of the file, unless some are held still (the same run). */
  private look(): void {
    if (this.at < this.held.length) return; // those left: the same blank run, and what ends it
    this.held = [];
    this.at = 0;
    this.after = undefined;
    let chars = 0;
    for (;;) {
      const r = this.lines.next();
      if (r.done) {
        this.endsAfterHeld = true;
        return;
      }
      this.held.push(r.value);
      chars += r.value.text.length + 1;
      if (!blankLine(r.value) && !(this.textLines && insideLine(r.value) && chars <= this.maxChars)) {
        this.endsAfterHeld = false;
        return;
      }
    }
  }

  return(value?: unknown): IteratorResult<Line> {
    return this.lines.return?.(value) ?? { done: true, value };
  }
}
