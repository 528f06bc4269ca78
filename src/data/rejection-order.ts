// rejected.jsonl in each input's line order. A JSON Lines reader knows a line holding only "[" for a stray one (no "]"
// line closes it) only at the end of the file, and rejects it then, after the records read since (RawItem.inOpenArray):
// their rejections are held in a scratch file (any number of them, in bounded memory) while such a "[" is open, and
// written once it closes or the file ends, merged in line order with those that came late (of lines before them).
import { readLines } from '../util/lines.ts';
import { OutFile } from './out-file.ts';

export class RejectionOrder {
  private held: OutFile | null = null;
  private late: Array<{ line: number; text: string }> = [];
  private lastHeld = 0; // the line of the last rejection held

  /** `out`: rejected.jsonl; `scratch`: the path of the file that holds rejections (its temporary name is used). */
  constructor(private readonly out: OutFile, private readonly scratch: string) {}

  /** Writes `text` (one rejection, with its newline) of the record at `line`, or holds it while `holding`. */
  write(line: number, text: string, holding: boolean): void {
    if (!holding) {
      this.flush();
      this.out.write(text);
    } else if (line < this.lastHeld) {
      this.late.push({ line, text });
    } else {
      this.held ??= new OutFile(this.scratch, { shown: `${this.scratch} (rejections held until a "[" line closes, removed at the end)` });
      this.held.write(`${line} ${text}`);
      this.lastHeld = line;
    }
  }

  /** Writes what is held, in line order: at the end of an input, or once its "[" lines are closed. */
  flush(): void {
    const late = this.late.sort((a, b) => a.line - b.line);
    let k = 0;
    if (this.held !== null) {
      this.held.flush();
      for (const { text } of readLines(this.held.tmp)) {
        const cut = text.indexOf(' ');
        const line = Number(text.slice(0, cut));
        while (k < late.length && late[k]!.line <= line) this.out.write(late[k++]!.text);
        this.out.write(`${text.slice(cut + 1)}\n`);
      }
      this.held.discard();
      this.held = null;
    }
    while (k < late.length) this.out.write(late[k++]!.text);
    this.late = [];
    this.lastHeld = 0;
  }

  /** Removes the scratch file (prepare failed); never throws. */
  discard(): void {
    this.held?.discard();
    this.held = null;
  }
}
