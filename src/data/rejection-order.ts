// rejected.jsonl in each input's line order. A JSON Lines reader knows a line holding only "[" for a stray one (no "]"
// line closes it) only at the end of the file, and rejects it then, after the records read since (RawItem.inOpenArray):
// their rejections are held while such a "[" is open (in memory up to a bound, past it in a scratch file: any number of
// them in bounded memory), and written once it closes or the file ends, merged in line order with those that came late
// (of lines before them).
import { readLines } from '../util/lines.ts';
import { OutFile } from './out-file.ts';

/** Characters of held rejections kept in memory before they go to the scratch file. */
const MEMORY_CHARS = 1 << 20;

interface Held {
  line: number;
  text: string;
}

export class RejectionOrder {
  private held: Held[] = []; // in line order, not yet in the scratch file
  private heldChars = 0;
  private scratchFile: OutFile | null = null; // held rejections before `held`, in line order
  private late: Held[] = [];
  private lastHeld = 0; // the line of the last rejection held

  /**
   * `out`: rejected.jsonl; `scratch`: the path of the file that holds rejections past `memoryChars` of them (its temporary
   * name is used; made only then: many small arrays each made and removed one, 20 times slower).
   */
  constructor(private readonly out: OutFile, private readonly scratch: string, private readonly memoryChars = MEMORY_CHARS) {}

  /** Writes `text` (one rejection, with its newline) of the record at `line`, or holds it while `holding`. */
  write(line: number, text: string, holding: boolean): void {
    if (!holding) {
      this.flush();
      this.out.write(text);
    } else if (line < this.lastHeld) {
      this.late.push({ line, text });
    } else {
      this.held.push({ line, text });
      this.heldChars += text.length;
      this.lastHeld = line;
      if (this.heldChars > this.memoryChars) this.spill();
    }
  }

  /** Writes what is held, in line order: at the end of an input, or once its "[" lines are closed. */
  flush(): void {
    const late = this.late.sort((a, b) => a.line - b.line); // stable: those of one line in the order they came
    let k = 0;
    for (const { line, text } of this.heldInOrder()) {
      while (k < late.length && late[k]!.line < line) this.out.write(late[k++]!.text);
      this.out.write(text);
    }
    while (k < late.length) this.out.write(late[k++]!.text);
    this.late = [];
    this.lastHeld = 0;
  }

  /** Removes the scratch file (prepare failed); never throws. */
  discard(): void {
    this.scratchFile?.discard();
    this.scratchFile = null;
    this.held = [];
    this.heldChars = 0;
  }

  /** Moves the rejections held in memory to the end of the scratch file. */
  private spill(): void {
    this.scratchFile ??= new OutFile(this.scratch, { shown: `${this.scratch} (rejections held until a "[" line closes, removed at the end)` });
    for (const { line, text } of this.held) this.scratchFile.write(`${line} ${text}`);
    this.held = [];
    this.heldChars = 0;
  }

  /** The held rejections in line order (those of the scratch file, then those in memory), let go of as they are read. */
  private *heldInOrder(): Generator<Held> {
    if (this.scratchFile !== null) {
      this.spill();
      this.scratchFile.flush();
      for (const { text } of readLines(this.scratchFile.tmp)) {
        const cut = text.indexOf(' ');
        yield { line: Number(text.slice(0, cut)), text: `${text.slice(cut + 1)}\n` };
      }
      this.scratchFile.discard();
      this.scratchFile = null;
    }
    const held = this.held;
    this.held = [];
    this.heldChars = 0;
    yield* held;
  }
}
