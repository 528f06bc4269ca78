// rejected.jsonl in each input's line order. A JSON Lines reader knows a line holding only "[" for a stray one (no "]"
// line closes it) only at the end of the file, and rejects it then, after the records read since (RawItem.inOpenArray):
// their rejections are held while such a "[" is open, and written once it closes or the file ends, merged in line order
// with those that came late (of lines before them: the stray "[" lines, one each). Both kinds are kept in memory up to a
// bound and past it in scratch files, so that any number of them (a file of a million stray "[" lines) takes bounded memory.
import * as path from 'node:path';
import { readLines } from '../util/lines.ts';
import { OutFile } from './out-file.ts';

/** Characters of held (and of late) rejections kept in memory before they go to a scratch file. */
const MEMORY_CHARS = 1 << 20;

interface Held {
  line: number;
  text: string;
}

/** The names of the scratch files of a RejectionOrder whose `scratch` file is named `name` (for removing a killed run's). */
export function rejectionScratchNames(name: string): string[] {
  return [name, lateName(name, 0), lateName(name, 1)];
}

/** The name of the late rejections' scratch file `n` (0 or 1: a merge writes the other) beside the held ones' `name`. */
function lateName(name: string, n: number): string {
  const ext = path.extname(name);
  return `${name.slice(0, name.length - ext.length)}-late${n}${ext}`;
}

export class RejectionOrder {
  private held: Held[] = []; // in line order, not yet in the scratch file
  private heldChars = 0;
  private scratchFile: OutFile | null = null; // held rejections before `held`, in line order
  private late: Held[] = []; // in the order they came, not yet in a late scratch file
  private lateChars = 0;
  private lateFile: OutFile | null = null; // late rejections that came before `late`, in line order
  private lateFileLast = 0; // the line of its last
  private lateFileNumber = 0; // which of the two late names it has
  private lastHeld = 0; // the line of the last rejection held

  /**
   * `out`: rejected.jsonl; `scratch`: the path of the file that holds rejections past `memoryChars` of them (its temporary
   * name is used; made only then: many small arrays each made and removed one, 20 times slower). Late ones past
   * `memoryChars` go to a file beside it (rejectionScratchNames).
   */
  constructor(private readonly out: OutFile, private readonly scratch: string, private readonly memoryChars = MEMORY_CHARS) {}

  /** How many rejections are held in memory now, held and late (the rest are in the scratch files). */
  get inMemory(): number {
    return this.held.length + this.late.length;
  }

  /** Writes `text` (one rejection, with its newline) of the record at `line`, or holds it while `holding`. */
  write(line: number, text: string, holding: boolean): void {
    if (!holding) {
      this.flush();
      this.out.write(text);
    } else if (line < this.lastHeld) {
      this.late.push({ line, text });
      this.lateChars += text.length;
      if (this.lateChars > this.memoryChars) this.spillLate();
    } else {
      this.held.push({ line, text });
      this.heldChars += text.length;
      this.lastHeld = line;
      if (this.heldChars > this.memoryChars) this.spill();
    }
  }

  /** Writes what is held, in line order: at the end of an input, or once its "[" lines are closed. */
  flush(): void {
    this.lastHeld = 0;
    if (this.held.length === 0 && this.late.length === 0 && this.scratchFile === null && this.lateFile === null) return;
    // those of one line in the order they came: the held ones, then the late ones (those spilled first)
    for (const { text } of byLine(this.heldInOrder(), this.lateInOrder())) this.out.write(text);
  }

  /** Removes the scratch files (prepare failed); never throws. */
  discard(): void {
    this.scratchFile?.discard();
    this.scratchFile = null;
    this.lateFile?.discard();
    this.lateFile = null;
    this.held = [];
    this.heldChars = 0;
    this.late = [];
    this.lateChars = 0;
  }

  /** Moves the rejections held in memory to the end of the scratch file. */
  private spill(): void {
    this.scratchFile ??= new OutFile(this.scratch, { shown: `${this.scratch} (rejections held until a "[" line closes, removed at the end)` });
    for (const { line, text } of this.held) this.scratchFile.write(`${line} ${text}`);
    this.held = [];
    this.heldChars = 0;
  }

  /**
   * Moves the late rejections in memory to the late scratch file, in line order: appended where they come after its
   * last (as a reader's stray "[" lines do, rejected in line order), else merged with it into the other late file.
   */
  private spillLate(): void {
    const late = this.takeLate();
    if (late.length === 0) return;
    const spilled = this.lateFile;
    const last = late[late.length - 1]!.line;
    if (spilled !== null && late[0]!.line >= this.lateFileLast) {
      for (const { line, text } of late) spilled.write(`${line} ${text}`);
      this.lateFileLast = last;
      return;
    }
    this.lateFileNumber = spilled === null ? 0 : 1 - this.lateFileNumber;
    const file = path.join(path.dirname(this.scratch), lateName(path.basename(this.scratch), this.lateFileNumber));
    const merged = new OutFile(file, { shown: `${file} (rejections of stray "[" lines held until the input ends, removed at the end)` });
    this.lateFile = merged; // (discarded with the others on failure)
    try {
      for (const { line, text } of byLine(spilled === null ? [] : readSpilled(spilled), late)) merged.write(`${line} ${text}`);
    } finally {
      spilled?.discard();
    }
    this.lateFileLast = Math.max(this.lateFileLast, last);
  }

  /** The late rejections in memory in line order (stable: those of one line in the order they came), let go of. */
  private takeLate(): Held[] {
    const late = this.late.sort((a, b) => a.line - b.line);
    this.late = [];
    this.lateChars = 0;
    return late;
  }

  /** The late rejections in line order (those of the late scratch file, then those in memory, merged), let go of as they are read. */
  private *lateInOrder(): Generator<Held> {
    const spilled = this.lateFile;
    const late = this.takeLate();
    if (spilled === null) {
      yield* late;
      return;
    }
    this.lateFile = null;
    this.lateFileLast = 0;
    try {
      yield* byLine(readSpilled(spilled), late);
    } finally {
      spilled.discard();
    }
  }

  /** The held rejections in line order (those of the scratch file, then those in memory), let go of as they are read. */
  private *heldInOrder(): Generator<Held> {
    if (this.scratchFile !== null) {
      this.spill();
      const spilled = this.scratchFile;
      this.scratchFile = null;
      try {
        yield* readSpilled(spilled);
      } finally {
        spilled.discard();
      }
    }
    const held = this.held;
    this.held = [];
    this.heldChars = 0;
    yield* held;
  }
}

/** The rejections of a scratch file (`LINE TEXT` a line), in the order written. */
function* readSpilled(file: OutFile): Generator<Held> {
  file.flush();
  for (const { text } of readLines(file.tmp)) {
    const cut = text.indexOf(' ');
    yield { line: Number(text.slice(0, cut)), text: `${text.slice(cut + 1)}\n` };
  }
}

/**
 * The rejections of `a` and `b`, each in line order, merged in line order: those of one line from `a` first. Stopped
 * early (a write that failed: a full disk), it stops both, so that their scratch files are removed and closed.
 */
function* byLine(a: Iterable<Held>, b: Iterable<Held>): Generator<Held> {
  const ia = a[Symbol.iterator](), ib = b[Symbol.iterator]();
  try {
    let x = ia.next(), y = ib.next();
    while (!x.done || !y.done) {
      if (!x.done && (y.done || x.value.line <= y.value.line)) {
        yield x.value;
        x = ia.next();
      } else {
        yield y.value;
        y = ib.next();
      }
    }
  } finally {
    try {
      ia.return?.();
    } finally {
      ib.return?.();
    }
  }
}
