// What readCsv tells `onNote` about rows it read as Python's csv and pandas do, though the file may mean otherwise:
// cells that start with a quote not quoting them whole, and quoted cells whose lines look like rows a stray quote joined.

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
