// The parse of one CSV/TSV row, a physical line at a time (csv-rows.ts's readCsvRows feeds it the row's lines): its
// fields so far, whether a quoted field is open, and what is malformed, by the rules csv.ts's header states.

/** The parse of one row so far; a quoted field may go on over the next line. */
export class RowState {
  fields: string[] = [];
  field = '';
  inQuotes = false;
  afterQuote = false;
  quotedField = 0;
  error: string | undefined;
  /** Whether the fields' text is kept: not once a quoted field runs past the size a cell may have (only its end is looked for). */
  keep = true;
  /** Cells read as written: a quoted field followed by text on the line it opened on. */
  asWritten = 0;
  /**
   * Whether a field opened on an earlier line was closed by the quote that starts the line just read, text after it: a
   * quote where a row's first cell opens (`"Bye," he said.`), so the one that opened the field was stray.
   */
  closedByLineStart = false;

  constructor(private readonly d: number) {}

  /**
   * Reads one physical line of the row (the line break before it is in the field when inside quotes). A field's text
   * is added a run at a time (to the closing quote inside quotes, its doubled quotes undone at once; to the next
   * delimiter outside), never a character or a doubled quote at a time: a string built of small pieces takes tens of
   * bytes a character, and a 150 MB cell ran out of memory.
   */
  scan(text: string): void {
    let atFieldStart = !this.inQuotes && this.field === '' && !this.afterQuote;
    const delimiter = String.fromCharCode(this.d);
    let i = 0;
    /** Where on this line the quoted field now open or just closed opened (−1: on an earlier line). */
    let openedAt = -1;
    /** Whether the field just closed was closed by this line's first character, a quote, having opened on an earlier line. */
    let closedAtStart = false;
    while (i < text.length) {
      if (this.inQuotes) {
        // the closing quote: the first that is not one of a doubled pair (a pair cannot straddle a line break)
        let q = text.indexOf('"', i);
        while (q >= 0 && text.charCodeAt(q + 1) === 0x22) q = text.indexOf('"', q + 2);
        if (this.keep) this.field += text.slice(i, q < 0 ? text.length : q).replaceAll('""', '"');
        if (q < 0) return;
        closedAtStart = q === 0 && openedAt < 0;
        this.inQuotes = false;
        this.afterQuote = true;
        i = q + 1;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === this.d) {
        this.fields.push(this.field);
        this.field = '';
        this.afterQuote = false;
        atFieldStart = true;
        i++;
        continue;
      }
      if (this.afterQuote) {
        // text after a closing quote: the cell runs to the next delimiter (Python's bounds); blanks only are a quoted
        // cell's (kept, as Python keeps them); else, for a field opened on this line, the quote was the cell's text
        const end = text.indexOf(delimiter, i);
        const to = end < 0 ? text.length : end;
        const tail = text.slice(i, to), blank = tail.trim() === '';
        if (blank || openedAt >= 0) {
          if (!blank) {
            this.field = text.slice(openedAt, to);
            this.asWritten++;
          } else if (this.keep) this.field += tail;
          this.afterQuote = false;
          i = to;
          continue;
        }
        if (this.error === undefined && closedAtStart) this.closedByLineStart = true;
        this.error ??= `text after a closing quote in field ${this.fields.length + 1}`;
      } else if (c === 0x22 && atFieldStart) {
        openedAt = i;
        this.inQuotes = true;
        this.quotedField = this.fields.length + 1;
        atFieldStart = false;
        i++;
        continue;
      }
      // the rest of an unquoted field, to the next delimiter: a quote that does not start a field is a character like any other
      atFieldStart = false;
      const end = text.indexOf(delimiter, i + 1);
      const to = end < 0 ? text.length : end;
      if (this.keep) this.field += text.slice(i, to);
      i = to;
    }
  }
}
