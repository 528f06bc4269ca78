// What readCsv tells `onNote` about rows it read as Python's csv and pandas do, though the file may mean otherwise:
// cells that start with a quote not quoting them whole, quoted cells whose lines look like rows a stray quote joined,
// and a header row that is a record (HeaderAsData).

/** The note on `n` cells that start with a quote that does not quote them whole, the first on `line`. */
export function asWrittenNote(n: number, line: number): string {
  return n === 1
    ? `1 cell starts with a quote that does not quote it whole (text follows its closing quote, as in "Hello," she said.; line ${line}): read as written, quotes included (Python's csv would drop its first two quotes)`
    : `${n} cells start with a quote that does not quote them whole (text follows the closing quote, as in "Hello," she said.; first on line ${line}): read as written, quotes included (Python's csv would drop the first two quotes of each)`;
}

/**
 * The number of lines of the first of `fields` (a row's cells) that runs over lines each of which, after its first,
 * holds exactly as many `delimiter`s as a row of `columns` cells does (rows a quote opened mid-row joined into it, as
 * RFC 4180 reads them: `hello<TAB>"pos` … `another row<TAB>pos"`), else 0. A cell of text lines (a poem, a letter) has
 * other counts; one column gives no sign.
 */
export function joinedRowLines(fields: readonly string[], delimiter: string, columns: number): number {
  if (columns < 2) return 0;
  for (const f of fields) {
    if (!f.includes('\n')) continue;
    const lines = f.split('\n');
    if (lines.slice(1).every((l) => l.split(delimiter).length === columns)) return lines.length;
  }
  return 0;
}

/** The note on `n` rows with a cell that joinedRowLines finds, the first on `line` running over `lines` lines. */
export function joinedRowsNote(n: number, line: number, lines: number): string {
  const where = `${n === 1 ? 'line' : 'first on line'} ${line}, over lines ${line}–${line + lines - 1}`;
  return `${n === 1 ? '1 row holds' : `${n} rows hold`} a quoted cell each of whose lines after its first holds as many cells as a row (${where}): ` +
    `rows joined into one cell by a stray quote? Read as one row${n === 1 ? ', as Python\'s csv and pandas read it' : ' each, as Python\'s csv and pandas read them'}; if those lines are rows, remove the quote that opens the cell`;
}

/**
 * Whether the header row is a record (a file written without one: its first record taken for column names, and so
 * not read as a record): a header cell that is not a number is a value of its own column in a later row
 * (`hello world,pos` over rows labelled pos and neg); a column's name is none of its values. A number is left out (a
 * pandas frame with integer column names writes 0,1 over cells that may hold 0 and 1), and so is a single character
 * (columns named a, b, c; classes A, B).
 */
export class HeaderAsData {
  private cells: readonly string[] = [];
  private headerLine = 0;
  private raw = '';
  private at: { line: number; cell: string } | null = null;

  header(cells: readonly string[], line: number, raw: string): void {
    [this.cells, this.headerLine, this.raw] = [cells, line, raw];
  }

  /** Looks at a data row's cells (until one shows the header is data). */
  see(fields: readonly string[], line: number): void {
    if (this.at !== null) return;
    const i = this.cells.findIndex((h, k) => h.length > 1 && !/^[-+]?\d+(?:\.\d*)?$/.test(h) && fields[k]?.trim() === h);
    if (i >= 0) this.at = { line, cell: this.cells[i]! };
  }

  /** Tells `onNote` when a row showed the header is a record. */
  tell(onNote?: (note: string) => void): void {
    if (this.at === null) return;
    const raw = JSON.stringify(this.raw.length > 80 ? `${this.raw.slice(0, 80)}…` : this.raw);
    onNote?.(`line ${this.headerLine} (${raw}) is read as the header row, yet its cell ${JSON.stringify(this.at.cell)} is also a value of that column (line ${this.at.line}): ` +
      `if the file has no header row, line ${this.headerLine} is a record taken for column names, and not read: add a header line (the column names) above it`);
  }
}
