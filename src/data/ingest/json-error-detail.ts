// What a record whose JSON text does not parse is told: V8's first error, or, where that error is one of the hand
// edits, the edit named — a comment (JSON has none), a trailing comma (JSON allows none), Python's syntax (1_000,
// "a" "b") — and, for a record that
// spans lines (an element of a .json file's array), where it is as a line and column of the file.

/** Where a record's text was read: a JSON Lines line, or an element of a .json file's top-level array. */
export type JsonSource = 'line' | 'array element';

/** Where a record's text starts in its file: the line, and the 0-based column of its first character on that line. */
export interface TextStart { line: number; column: number }

/**
 * Why `t`, a record's text at file line `line` (its first character `column` characters into that line, 0-based) that
 * JSON.parse refused with `message`, is not JSON (see the header).
 */
export function jsonErrorDetail(t: string, line: number, message: string, source: JsonSource, column = 0): string {
  const start: TextStart = { line, column };
  return commentDetail(t, source) ?? trailingCommaDetail(t, start) ?? pythonSyntaxDetail(t, start, message) ?? controlCharDetail(t, start, message) ?? bareWordDetail(t, start, message) ?? withLineAndColumn(message, t, start);
}

/** JSON's escapes of the control characters that have a short one. */
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\n': '\\n' };

/**
 * Where V8's error is at a raw control character in a string (a tab typed or pasted into a value: V8 says "Bad control
 * character in string literal"), said in JSON's words — which character, where, and how JSON writes it —, or null.
 */
function controlCharDetail(t: string, start: TextStart, message: string): string | null {
  const m = /^Bad control character in string literal\b.*\bat position (\d+)/.exec(message);
  if (m === null) return null;
  const at = Number(m[1]);
  const c = t[at];
  if (c === undefined || c.charCodeAt(0) >= 0x20) return null;
  const code = c.charCodeAt(0).toString(16).padStart(4, '0');
  const what = c === '\t' ? 'a raw tab' : c === '\r' ? 'a raw carriage return (CR)' : `a raw control character (U+${code.toUpperCase()})`;
  return `${what} inside a string ${placeOf(t, at, start)}: JSON writes it as ${SHORT_ESCAPES[c] ?? `\\u${code}`}`;
}

/** JSON's words. */
const LITERALS = ['true', 'false', 'null'];

/**
 * Where V8's error is at a bare word where a value belongs — a literal cut short or misspelt (`tru`, `nul`, `falsy`)
 * or text left unquoted (`hello`, `undefined`) —, said so with where, else null. V8 says "Unexpected token ','" (the
 * character after the part of a literal it read, or the word's first) with no position, not the word; Python's json,
 * "Expecting value" at its column. The word is the text's first outside strings other than true, false and null, and
 * V8's character is in it or just after it; the text is an object's or array's (a line of prose or CSV keeps V8's words).
 */
function bareWordDetail(t: string, start: TextStart, message: string): string | null {
  const m = /^Unexpected token '([^]+?)', /.exec(message);
  if (m === null || !/^\s*[[{]/.test(t)) return null; // a line of text, not a record's (CSV, prose): V8's words say it is no JSON
  const blanked = t.replace(/"(?:[^"\\]|\\[^])*"/g, (q) => ' '.repeat(q.length)); // strings, their words no words
  for (const w of blanked.matchAll(/(?<![\w.$+-])[A-Za-z_$][\w$]*/g)) {
    const word = w[0];
    if (LITERALS.includes(word)) continue;
    if (!t.slice(w.index, w.index + word.length + 1).includes(m[1]!)) return null;
    const cut = LITERALS.find((l) => l.startsWith(word) || word.startsWith(l));
    return `"${word}" ${placeOf(t, w.index, start)} is no JSON value${cut === undefined ? '' : ` (${cut}?)`}: ` +
      (cut === undefined ? `JSON quotes text ("${word}"); its words are true, false and null` : 'JSON\'s words are true, false and null, and it quotes text');
  }
  return null;
}

/**
 * Where V8's error is at Python's syntax that JSON has not, said so, or null: a `_` between digits (1_000, Python's
 * digit separator) or two strings side by side ("a" "b", which Python joins; or a comma left out). V8's words,
 * "Expected ',' or '}' after property value", say neither.
 */
function pythonSyntaxDetail(t: string, start: TextStart, message: string): string | null {
  const m = /\bat position (\d+)/.exec(message);
  if (m === null) return null;
  const at = Number(m[1]);
  if (t[at] === '_' && /\d/.test(t[at - 1] ?? '') && /\d/.test(t[at + 1] ?? '')) {
    return `a "_" between digits ${placeOf(t, at, start)} (Python's digit separator, 1_000): JSON numbers have none; remove it`;
  }
  if (t[at] === '"' && /"\s*$/.test(t.slice(0, at))) {
    return `two strings side by side ${placeOf(t, at, start)} with no comma between them: JSON does not join them as Python joins "a" "b"; ` +
      'make them one string, or put the comma in';
  }
  return null;
}

/**
 * A record that opens with a comment, said so, or null. A JSON Lines file has none (every line that is not blank is a
 * record); a .json file's `//` and `/* *\/` comments are skipped (JSONC), so an element only opens with a `#` one,
 * which is read with the element after it.
 */
function commentDetail(t: string, source: JsonSource): string | null {
  if (source === 'line') return /^(?:\/\/|#)/.test(t) ? 'a comment line: JSON Lines holds no comments (every line that is not blank is a record); remove it' : null;
  return t.startsWith('#') ? 'a "#" comment, read with the element after it: JSON has none (a .json file\'s // and /* */ comments are skipped, "#" ones only in a Python literal\'s record); remove it or write it as //' : null;
}

/**
 * A comma before a closing `}` or `]` (`{"text": "a", }`: a trailing comma, which JavaScript, JSON5 and hand edits
 * leave and JSON has not), said so with where, when it is the text's first error — V8's words for it are "Expected
 * double-quoted property name in JSON at position 14" or "Unexpected token ']'", with no position —, else null: the
 * first such comma outside strings is that error when the text before it, closed where it is open, parses (then the
 * comma follows a whole value inside an object or array, where one may stand, and the bracket after it is the error).
 */
function trailingCommaDetail(t: string, start: TextStart): string | null {
  const open: string[] = [];
  let inString = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') open.push(c === '{' ? '}' : ']');
    else if (c === '}' || c === ']') open.pop();
    else if (c === ',') {
      const next = /\S/.exec(t.slice(i + 1));
      if (next === null || (next[0] !== '}' && next[0] !== ']')) continue;
      const before = t.slice(0, i).trimEnd();
      if (open.length === 0 || /[[{]$/.test(before) || !parses(before + open.reverse().join(''))) return null;
      return `a comma before "${next[0]}" ${placeOf(t, i, start)} (a trailing comma): JSON allows none; remove it`;
    }
  }
  return null;
}

function parses(t: string): boolean {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/**
 * V8's `message` with its "at position N" (0-based, in the record's text) said as this file's other details say where
 * (placeOf). The "(line L column C)" V8 adds after it on Node >= 21 counts lines of the record's text, not of the file:
 * dropped.
 */
function withLineAndColumn(message: string, t: string, start: TextStart): string {
  const m = /\bat position (\d+)(?: \(line \d+ column \d+\))?/.exec(message);
  return m === null ? message : message.replace(m[0], placeOf(t, Number(m[1]), start));
}

/**
 * Where `t[at]` is, `t` starting at `start`: "at character N" on that first line, N its column on the file's line
 * (1-based, as an editor's and Python's json count: `  {"text":   nul}` is at 14, not at the 12th character of the
 * record), else "at line L column C" of the file.
 */
function placeOf(t: string, at: number, start: TextStart): string {
  const before = t.slice(0, at), lineStart = before.lastIndexOf('\n');
  if (lineStart < 0) return `at character ${start.column + at + 1}`;
  return `at line ${start.line + before.split('\n').length - 1} column ${at - lineStart}`;
}
