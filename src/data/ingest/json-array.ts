// The streaming reader of a top-level JSON array for json.ts: each element is one record, at the line where it
// starts, its bounds found by tracking strings, nesting and comments (JSONC) rather than by parsing the file whole.
import { readDataLines, type Line } from '../../util/lines.ts';
import { BlankAhead, blankLine, insideLine } from './blank-ahead.ts';
import type { Rejection } from '../record.ts';
import { commentAt, commentsNote, continuesString, countComment, restWithoutComments, SingleQuotes, startsTurn, unclosedComment, uncounted, withoutComments } from './json-object-scan.ts';
import { lineBreakRejection } from './jsonl-line-break.ts';
import { asWritten, elementText, type Comment } from './written-raw.ts';
import { batchItems, parseJsonItem, readJsonl, trailingCommaNote, withoutTrailingComma } from './jsonl.ts';
import { REPLAY_LIMIT, defectRejection, recordDefect, withinMaxChars, type RawItem, type ReadOptions } from './types.ts';

/**
 * Streams the elements of a top-level JSON array, tracking strings and nesting to find their bounds. A raw
 * newline inside a string is a broken element (JSON has none): when the next line, or the first after blank lines and lines of text with no quote (insideLine), is
 * the string's rest (continuesString), the string goes on there — a line break typed into a value — and the element, nesting
 * intact, is one invalid_json record; otherwise the string was never closed, and the element ends with its line.
 * A line holding only "{" (but for a comment) whose next line with data starts with "{", and a line that starts with "}"
 * between elements, are each one invalid_json record (a stray brace), the elements around them read.
 * Text after the closing "]" is read on: another array, or the rest of a broken one (its elements read as such); a line
 * after it that starts otherwise (than "[", "]", "," or a comment), where no element broke, starts JSON Lines (`[…]` over
 * lines, then a record a line): the lines from it are read as jsonl.ts reads them, each record at its own line, not one
 * invalid_json record of them all.
 * With `source`, the file's lines as another reader read them (json.ts: held after looking ahead), not read anew.
 * With `from`, the array is the one that starts there (an object's member, json-object-scan.ts): the object's text
 * before and after it holds no records (only its comments are counted).
 */
export function* readJsonArray(file: string, opts: ReadOptions = {}, from?: { line: number; char: number }, source?: Iterator<Line>): Generator<RawItem> {
  const lines = source ?? readDataLines(file);
  try {
    yield* arrayElements(file, opts, from, lines, false, { chars: 0, lines: 0 });
  } finally {
    lines.return?.(undefined); // left before the end (its consumer threw, or stopped): the file closed, not its descriptor kept
  }
}

/**
 * `inside`: the lines start inside the array, after its "[" (the elements below a broken one, read again). An element
 * that a "[" inside it left open (`"tags": ["a", "b",`) takes the elements below it as the list's, to the end of the
 * file (valid JSON where that list is closed: records pasted into a list at the element's indent, a nested batch); when
 * the file ends inside it, it ends above the first line inside that "[" that starts with "{" or "[" and is indented no
 * deeper than the element (`cut`), one invalid_json record, and the lines from there are read again as elements.
 * `replayed` counts the characters and lines so read again, all together: past REPLAY_LIMIT or REPLAY_LINES no more are (a file of many such
 * elements read again each time would take time in proportion to their number times the file's tail).
 */
function* arrayElements(file: string, opts: ReadOptions, from: { line: number; char: number } | undefined, source: Iterator<Line>, inside: boolean, replayed: { chars: number; lines: number }): Generator<RawItem> {
  const lines = new BlankAhead(source, true, opts.maxRawChars); // a string open at the end of a line: does the file end after it, but for blank lines?
  let opened = inside, closed = false;
  let depth = 0, inString = false, escape = false;
  let parts: Array<string | Comment> = []; // the pending element's text as written, its comments marked
  let startLine = 0; // line of the pending element's first character (0: no element pending)
  let opensWith = 0; // the pending element's first character
  let loneOpen = false; // the pending element's first character is a "{" alone on its line, and no data followed it yet
  const kinds: number[] = []; // the pending element's open brackets ("{" or "["), innermost last: depth - 1 of them
  let lastSig = 0; // the pending element's last character outside strings and comments but whitespace
  let startCol = 0; // the column (0-based) of the pending element's first character on its line
  // where on this line the comment that is open starts (0: a line before opened it): a comment inside the element is
  // parsed blanked (its characters spaces, its line breaks kept), so that a place said in its text is the file's
  let commentFrom = 0;
  const toTop = (): void => {
    depth = 1;
    kinds.length = 0;
  };
  if (inside) toTop();
  // where the pending element would end were the file to end inside the "[" it noted (its text up to there, the lines from there, kept
  // up to maxRawChars characters; `depth`: that "["'s; `shut`: a "]" closed it (the array's, the last line's, where only
  // closing brackets follow it; the list's own where more of the element does, which drops the cut)
  let cut: { element: number; line: number; depth: number; shut?: boolean; parts: Array<string | Comment>; chars: number; comments: number; lines: Line[]; held: number } | undefined;
  let emptyElementLine = 0, trailingCommas = 0;
  // comments (JSONC, as hand-edited files have): where one opened is not yet closed (0: none), how many, the first's
  // line, their kinds
  const comments = { open: 0, count: 0, first: 0, kinds: new Set<string>() };
  // a single-quoted string (a Python literal's, SingleQuotes) in the array: a `//` in it is no comment, its brackets,
  // commas and quotes are text
  let single = new SingleQuotes();
  // a string of the object around the array (with `from`), told as scanObjectMembers tells them (a single-quoted one
  // by SingleQuotes too), so that a `//` in one is no comment hiding the "[" after it
  const outer = { inString: false, escape: false, single: new SingleQuotes() };
  let broken = false; // an element just ended at an unterminated string: the next "," is its separator
  let strayClose = false; // a stray "}" was just rejected: the next "," is the separator after it
  let elementDefect: Rejection | undefined; // the pending element touches bytes that are not text
  let lineBreakAt = 0; // the line of a raw newline inside one of the pending element's strings
  let afterClose = 0; // the line of text after a closing "]" that did not open another array
  let closedAt = 0; // the line of the last closing "]"
  let everBroken = false; // some element broke (a string left open, text after a "]"): a later "]" may be the array's own
  const stray = { n: 0, line: 0 }; // "]" after a whole array, with nothing to close
  let pendingChars = 0; // characters of JSON in `parts` (not its comments'): past maxRawChars, no more is kept (the element is too_long)
  let commentChars = 0; // characters of comments in `parts`
  const maxRaw = opts.maxRawChars ?? Infinity;
  // what an element's text is parsed with: its length was judged by its JSON's characters (pendingChars), not by those
  // of the comments blanked in it
  const judged = { ...opts, maxRawChars: Infinity };
  const keep = (piece: string): void => {
    const before = pendingChars;
    pendingChars += piece.length;
    if (pendingChars <= maxRaw) parts.push(piece);
    else if (before < 1 << 16) parts.push(piece.slice(0, (1 << 16) - before)); // the head, for rejected.jsonl
  };
  // a comment inside the element: kept as written (rejected.jsonl's raw shows it), blanked for the parse; it is no
  // record's JSON, so maxRawChars does not count it, but keeps it: past it, only its line breaks are kept (or a space)
  const keepComment = (comment: string): void => {
    if (pendingChars > maxRaw) return;
    commentChars += comment.length;
    parts.push(commentChars <= maxRaw ? { comment } : comment.replace(/[^\n]/g, '') || ' ');
  };
  // the pending element's item (its raw the text parsed, comments blanked) and its text as written
  const element = (line: number, unclosed?: string): { it: RawItem; written: string } => {
    const { text: raw, written } = elementText(parts);
    const long = pendingChars > maxRaw;
    pendingChars = commentChars = 0;
    // a nested batch that long is not read record by record (its records are not held to be judged): said, with what to do
    const batch = opensWith === 0x5b ? 'an array element that is itself an array (a batch of records?), with every record it holds: give its records as elements of the top-level array, or one a line as JSON Lines' : '';
    const it = long && !elementDefect ? { line, raw: written.slice(0, 1 << 16), error: { reason: 'too_long' as const, detail: `the record's JSON is more than ${maxRaw} characters, more than ${withinMaxChars(opts)} can take; rejected unparsed${batch ? `: ${batch}` : ''}` } }
      : elementDefect ? { line, raw, error: elementDefect }
      : lineBreakAt > 0 ? { line, raw, error: lineBreakRejection(lineBreakAt) }
      : unclosed !== undefined ? { line, raw, error: { reason: 'invalid_json' as const, detail: unclosed } }
      : parseJsonItem(raw, line, judged, 'array element', startCol);
    elementDefect = undefined;
    lineBreakAt = 0;
    return { it, written };
  };
  const batches = { elements: 0, records: 0, first: 0 };
  // the pending element's records: itself, or those it holds when it is an array of records (a nested batch, as a
  // JSON Lines line may be one: jsonl.ts batchItems), these parsed one at a time as they are read
  const elementItems = function* (line: number): Generator<RawItem> {
    const { it, written } = element(line);
    const inWritten = it.raw === written ? undefined : written; // the records' raw, where their text blanked comments
    let read = batchItems(it, judged, startCol, inWritten);
    // a nested batch with a trailing comma (`[{…}, {…},]`) is read as its records, as the top-level array is
    const trimmed = opensWith === 0x5b && it.error?.reason === 'invalid_json' ? withoutTrailingComma(it.raw) : null;
    const batch = trimmed === null ? null : batchItems(parseJsonItem(trimmed, line, judged, 'array element', startCol), judged, startCol, inWritten);
    if (batch !== null && 'records' in batch) {
      read = batch;
      trailingCommas++;
    }
    if (!('records' in read)) {
      yield asWritten(read, written);
      return;
    }
    batches.elements++;
    batches.first ||= line;
    for (const r of read.records) {
      batches.records++;
      yield r;
    }
  };
  let next = lines.next();
  let tail: Line | undefined; // the binary data that ends the file, read as one line (readLines)
  while (!next.done) {
    if (next.value.binary !== undefined) {
      tail = next.value;
      break;
    }
    if (from === undefined && closed && !everBroken && comments.open === 0 && startsOtherText(next.value.text)) {
      opts.onNote?.(`the array that closes at line ${closedAt} is followed by more text (line ${next.value.lineNo} on): read as JSON Lines, one record a line`);
      yield* readJsonl(file, opts, true, linesFrom(next.value, lines));
      break;
    }
    const { text: lineText, lineNo, defects, bytes } = next.value;
    if (cut !== undefined && (cut.element !== startLine || (cut.held += lineText.length + 1) > Math.min(opts.maxRawChars ?? Infinity, REPLAY_LIMIT - replayed.chars) || cut.lines.length >= REPLAY_LINES - replayed.lines)) cut = undefined;
    else cut?.lines.push(next.value);
    const thisLine = next.value;
    next = lines.next();
    opts.onBytes?.(bytes);
    const text = lineText + '\n';
    const defectAt = new Map((defects ?? []).map((d) => [d.char, d]));
    // start of the pending element's text on this line (past the end: none of it yet, a comment has it)
    let segStart = comments.open > 0 ? text.length : -1;
    commentFrom = 0;
    single.endLine();
    outer.single.endLine();
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (from !== undefined && !opened && lineNo === from.line && i === from.char) {
        // the wrapped array's "[", where the scan found it, whatever this reading of the text before it made of it
        opened = true;
        toTop();
        single = new SingleQuotes();
        outer.inString = false;
        comments.open = 0;
        continue;
      }
      if (comments.open > 0) {
        if (c === 0x2a && text.charCodeAt(i + 1) === 0x2f) {
          if (startLine > 0) keepComment(text.slice(commentFrom, i + 2));
          comments.open = 0;
          segStart = ++i + 1;
        }
        continue;
      }
      if (from !== undefined && (!opened || closed)) {
        // the text of the object wrapping the array, before and after it (scanObjectMembers found it JSON): its strings
        // passed over, its comments counted with the array's
        if (outer.inString) {
          if (outer.escape) outer.escape = false;
          else if (c === 0x5c) outer.escape = true;
          else if (c === 0x22) outer.inString = false;
          continue;
        }
        if (outer.single.step(c)) continue;
        if (c === 0x22) outer.inString = true;
        const comment = commentAt(text, i);
        if (comment === null) continue;
        countComment(comments, comment, lineNo);
        if (comment === 'line') break;
        comments.open = lineNo;
        i++;
        continue;
      }
      const defect = defectAt.get(i);
      if (defect && (startLine > 0 || (opened && !isSpace(c)))) {
        // inside the pending element, or the character that starts the next one
        elementDefect = recordDefect(elementDefect, defect, lineNo);
      }
      if (inString) {
        if (c === 0x0a) {
          // whether a line is the string's rest (continuesString), told without its comments: a quote in one (`/* "x *\/`) is none
          const goesOn = (l: Line): boolean => continuesString(restWithoutComments(l.text));
          if (!next.done && (goesOn(next.value) || ((blankLine(next.value) || insideLine(next.value)) && lines.textAfterBlanks(goesOn)))) {
            // a line break typed into a string: the string (and the element) goes on on the next line (past blank
            // lines and lines of text with no quote typed there too: paragraphs)
            lineBreakAt ||= lineNo;
            escape = false;
            continue;
          }
          // the file's last line but for blank ones (and lines of text): it ends inside the string, cut short (the element so rejected below)
          if (next.done || ((blankLine(next.value) || insideLine(next.value)) && lines.blankToEnd())) continue;
          // a raw newline cannot be inside a JSON string: the element ends here, unparseable
          keep(text.slice(segStart < 0 ? 0 : segStart, i));
          yield* elementItems(startLine);
          parts = [];
          startLine = 0;
          segStart = -1;
          inString = false;
          escape = false;
          toTop();
          broken = everBroken = true;
        } else if (escape) escape = false;
        else if (c === 0x5c) escape = true;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (!opened) {
        if (c === 0x5b) {
          opened = true;
          toTop();
          single = new SingleQuotes();
          continue;
        }
        // firstCharIn() (json.ts) guaranteed that only whitespace and comments come before "["
        if (c !== 0x2f) continue;
      }
      const opens = !single.inside;
      if (single.step(c)) {
        if (!opens) continue; // its opening quote starts or continues the pending element
      } else if (commentAt(text, i) !== null) {
        // a comment, between elements or inside one: not data (inside, it separates as whitespace does)
        const line = commentAt(text, i) === 'line';
        countComment(comments, line ? 'line' : 'block', lineNo);
        if (startLine > 0) {
          keep(text.slice(segStart < 0 ? 0 : segStart, i));
          if (line) keepComment(text.slice(i)); // with the line's break
        }
        segStart = text.length;
        if (line) break;
        comments.open = lineNo;
        commentFrom = i;
        i++;
        continue;
      }
      if (closed) {
        if (isSpace(c) || c === 0xfeff) continue; // a BOM: files concatenated
        // another array, or the rest of this one (a "]" that a broken element left at the top level)
        closed = false;
        toTop();
        if (c === 0x5b) {
          broken = false;
          continue;
        }
        if (c === 0x5d && !everBroken) {
          stray.n++;
          stray.line ||= lineNo;
          closed = true;
          continue;
        }
        afterClose ||= lineNo;
        broken = everBroken = true;
      }
      if (depth === 1 && (c === 0x2c || c === 0x5d)) {
        // "," or the closing "]": the pending element (if any) ends here
        if (startLine > 0) {
          keep(text.slice(segStart < 0 ? 0 : segStart, i));
          yield* elementItems(startLine);
        } else if (broken || strayClose) {
          // the separator after an element that ended at its unterminated string, or after a stray "}"
        } else if (c === 0x2c) {
          yield { line: lineNo, raw: '', error: { reason: 'invalid_json', detail: 'an empty array element (a comma with no element before it)' } };
        } else if (emptyElementLine > 0) {
          trailingCommas++; // "[a, b,]": no element after the comma, as JavaScript and Python's literals read it
        }
        emptyElementLine = c === 0x2c ? lineNo : 0;
        broken = strayClose = false;
        parts = [];
        startLine = 0;
        segStart = -1;
        if (c === 0x5d) {
          closed = true;
          closedAt = lineNo;
        }
        continue;
      }
      const whole = startLine === 0 ? !broken : opensWith === 0x7b || opensWith === 0x5b; // no element pending, or a closed one
      if (depth === 1 && c === 0x7d && whole && text.slice(0, i).trim() === '') {
        // a line that starts with "}" where no object is open (between elements: a stray "}" below one, or an extra
        // one closing it again): rejected alone, as in JSON Lines; the element above it ends here, read, not swallowed
        // (one that is no object or array, `"text": "a"` with its "{" left out, is read with it, as before)
        if (startLine > 0) {
          keep(text.slice(segStart < 0 ? 0 : segStart, i));
          yield* elementItems(startLine);
        }
        yield { line: lineNo, raw: '}', error: { reason: 'invalid_json', detail: 'a line that starts with "}" where no object is open (between the array\'s elements): a stray "}"? (the elements around it are read)' } };
        parts = [];
        startLine = 0;
        segStart = -1;
        emptyElementLine = 0;
        strayClose = true;
        continue;
      }
      if (startLine > 0 && loneOpen && depth === 2 && c === 0x7b && text.slice(0, i).trim() === '') {
        // a line holding only "{", and the next line with data starts with "{", where a key belongs: a stray "{" above
        // elements (an object has no member that starts so), rejected alone, as in JSON Lines; the element starts here
        yield { line: startLine, raw: '{', error: { reason: 'invalid_json', detail: `a line holding only "{" opens an object, and line ${lineNo} inside it holds a record where a key belongs: a stray "{"? (the elements after it are read)` } };
        parts = [];
        pendingChars = commentChars = 0;
        elementDefect = undefined;
        startLine = 0;
        toTop();
      }
      const inObject = kinds.length === depth - 1 && kinds[kinds.length - 1] === 0x7b;
      // a chat turn there (`{"role": "user", …}`, a chat's "messages" written at the element's indent) is the list's
      // item, not a record: the cut waits for a record below (it was rejected unknown_shape, a "--field text=role" hint)
      if (cut === undefined && startLine > 0 && depth > 1 && kinds.at(-1) === 0x5b && (c === 0x7b || c === 0x5b) && i <= startCol && text.slice(0, i).trim() === '' && !startsTurn(text.slice(i), next.done || next.value.binary !== undefined ? undefined : next.value.text)) {
        cut = { element: startLine, line: lineNo, depth, parts: [...parts, text.slice(segStart < 0 ? 0 : segStart, i)], chars: pendingChars, comments: commentChars, lines: [thisLine], held: 0 };
      }
      if (startLine > 0 && inObject && lastSig !== 0x3a && (c === 0x7b || c === 0x5b) && i <= startCol && text.slice(0, i).trim() === '') {
        // a line that starts with "{" or "[" inside an object where no value belongs (a key does, after "{" or ",", or a
        // "," or "}" after a value): never JSON, but a record below an element that a "{" or "[" left open (`"n": {4`),
        // which ended it at the end of the file, the elements after it with it; that element ends above this line, the next starts here.
        // (not a line indented deeper than the element's start: a record of a list inside it, its "{" or the list's "[" lost
        // above it, `"role": "assistant", …},`, would be read as a record of its own, a fragment of the broken element)
        keep(text.slice(segStart < 0 ? 0 : segStart, i));
        const { it, written } = element(startLine, `a "{" or "[" in it is not closed before line ${lineNo}, which starts a record inside it where no value belongs: the element ends above it (the elements from line ${lineNo} are read)`);
        yield asWritten(it, written);
        parts = [];
        startLine = 0;
        segStart = -1;
        toTop();
      }
      if (startLine === 0) {
        if (isSpace(c)) continue;
        if (broken && (c === 0x7d || c === 0x5d)) continue; // the closing brackets of the element whose string broke
        startLine = lineNo;
        startCol = i;
        opensWith = c;
        emptyElementLine = 0;
        broken = strayClose = false;
        segStart = i;
        // a comment after it (`{  // note`) leaves it alone on its line
        loneOpen = c === 0x7b && withoutComments(text.slice(i + 1), uncounted()).trim() === '';
      } else {
        if (segStart < 0) segStart = 0;
        if (!isSpace(c)) loneOpen = false;
      }
      if (!isSpace(c)) lastSig = c;
      if (cut?.shut && !isSpace(c) && c !== 0x5d && c !== 0x7d) cut = undefined; // the "[" closed, the element going on: the records were its own
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) {
        depth++;
        kinds.push(c);
      } else if ((c === 0x7d || c === 0x5d) && depth > 1) {
        depth--;
        kinds.pop();
        if (cut !== undefined && depth < cut.depth) cut.shut = true;
        if (depth === 1) cut = undefined; // the element closed: its "[" too, the records its list's
      }
    }
    if (startLine > 0) {
      if (comments.open > 0) keepComment(text.slice(commentFrom));
      keep(text.slice(segStart < 0 ? 0 : segStart));
    }
  }
  if (batches.elements > 0) {
    const { elements: n, records: r } = batches;
    opts.onNote?.(`${n === 1 ? '1 array element is a JSON array' : `${n} array elements are JSON arrays`} of records, not ${n === 1 ? 'a record' : 'records'} (line ${batches.first}${n === 1 ? '' : ' first'}): ` +
      `read as the ${r === 1 ? 'record' : `${r} records`} ${n === 1 ? 'it holds' : 'they hold'}, each at the line its array starts`);
  }
  if (tail !== undefined) {
    // binary data to the end: one binary record (its bytes were elements, "/*" in them a comment never closed); an
    // element it cut off is invalid_json
    opts.onBytes?.(tail.bytes);
    if (startLine > 0) yield { line: startLine, raw: parts.join('').trim(), error: elementDefect ?? { reason: 'invalid_json', detail: `cut off by binary data (line ${tail.lineNo} on)` } };
    yield { line: tail.lineNo, raw: tail.text, error: defectRejection(tail.defect!, tail.lineNo) };
    closed = true;
  } else if (comments.open > 0) throw unclosedComment(file, comments.open);
  const note = commentsNote(comments);
  if (note) opts.onNote?.(note);
  if (trailingCommas > 0) {
    opts.onNote?.(trailingCommaNote(trailingCommas));
  }
  if (stray.n > 0) {
    const many = stray.n > 1;
    opts.onNote?.(`${many ? `${stray.n} "]"` : 'a "]"'} after the array's closing "]" (line ${stray.line}${many ? ' first' : ''}) ${many ? 'were' : 'was'} read as nothing: ${many ? 'brackets' : 'a bracket'} with nothing to close`);
  }
  if (!closed) {
    // the file ending inside an element, or after a comma, was cut short: truncated, as a JSON Lines object or a CSV
    // cell the file ends inside (jsonl-unclosed.ts, csv-rows.ts)
    const unclosed: Rejection = afterClose > 0 ? { reason: 'invalid_json', detail: `text after the closing "]" of the array (line ${afterClose})` }
      : { reason: 'truncated', detail: `the file ends ${startLine === 0 ? 'inside the array, after a ","' : depth === 1 && !inString ? 'after this element, before the array\'s closing "]"' : 'inside this element'} (the array is not closed): the file cut short?` };
    if (from === undefined && startLine > 0 && cut?.element === startLine && !elementDefect && !inString) {
      // a "[" left open in it took the elements below it: it ends above the first of them, which are read again
      ({ parts, chars: pendingChars, comments: commentChars } = cut);
      const { it, written } = element(startLine, `a "[" in it is not closed before the end of the file: line ${cut.line}, which starts a record indented no deeper than the element inside that "[", starts the next element (the elements from line ${cut.line} are read)`);
      yield asWritten(it, written);
      replayed.chars += cut.held;
      replayed.lines += cut.lines.length;
      yield* arrayElements(file, { ...opts, onNote: undefined, onBytes: undefined }, undefined, cut.lines.values(), true, replayed);
    } else if (startLine > 0) {
      yield { line: startLine, raw: parts.join('').trim(), error: elementDefect ?? unclosed };
    } else if (emptyElementLine > 0) {
      yield { line: emptyElementLine, raw: '', error: unclosed };
    }
  }
}

/** The most lines readJsonArray reads again, all together, after elements that a "[" left open (arrayElements), beside
 * REPLAY_LIMIT's characters (a line costs more than its characters: a file of short "[" lines hit REPLAY_LIMIT at 32M lines). */
const REPLAY_LINES = 1 << 20;

/** Whether `line` starts with text that continues no array (not "[", "]", ",", nor a comment): a record, or a line that is none. */
function startsOtherText(line: string): boolean {
  const t = line.trimStart();
  return t !== '' && !'[],/'.includes(t[0]!);
}

/** `first`, then the lines that `rest` has left. */
function* linesFrom(first: Line, rest: Iterator<Line>): Generator<Line> {
  yield first;
  for (let l = rest.next(); !l.done; l = rest.next()) yield l.value;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

