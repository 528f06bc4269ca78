// jinja2's wordwrap filter: each line of the text (str.splitlines()) wrapped on its own by Python's textwrap.wrap
// (expand_tabs and replace_whitespace off, drop_whitespace on, no indents), the lines joined by the wrapstring ('\n',
// the environment's newline_sequence, by default). Lengths are Python's, in code points. jinja-python.ts registers
// it beside the other filters.
import { argOf, type Filter } from './jinja-filters.ts';
import { isMarkup, markupOf, markupText } from './jinja-filters-rare.ts';
import { callMethod, pythonStrip } from './jinja-methods.ts';
import { V, isNone, isStr, pyStr, pyType, type Value } from './jinja-values.ts';

// textwrap.TextWrapper.wordsep_re (break_on_hyphens) and wordsep_simple_re. Python's \w is approximated as letters,
// numbers and _ (as the wordcount filter takes it); `letter` is [^\d\W], \w without the decimal digits.
const WS = '[\\t\\n\\x0b\\x0c\\r ]';
const NWS = '[^\\t\\n\\x0b\\x0c\\r ]';
const WORD = '[\\p{L}\\p{N}_]';
const WORD_PUNCT = `[\\p{L}\\p{N}_!"'&.,?]`;
const LETTER = '[\\p{L}\\p{Nl}\\p{No}_]';
const WORDSEP = new RegExp(
  `(${WS}+` + // any whitespace
    `|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` + // an em-dash between words
    `|${NWS}+?(?:` + // a word, possibly hyphenated
    `-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` + // a hyphenated word
    `|(?=${WS}|$)` + // the end of a word
    `|(?<=${WORD_PUNCT})(?=-{2,}${WORD})))`, // an em-dash
  'u',
);
const WORDSEP_SIMPLE = new RegExp(`(${WS}+)`);

const cpLength = (s: string): number => [...s].length;
/** Python's `s.strip() == ''`: textwrap drops such chunks at the ends of a line. */
const blank = (s: string): boolean => pythonStrip(s, null, true, true) === '';

/** The first `n` code points of `s` (Python's s[:n]), read without walking the rest of it. */
function firstCodePoints(s: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return s.slice(0, i);
}

/** A chunk of textwrap's and its length in code points, kept so that a long word is not measured again at each line cut from it. */
interface Chunk {
  text: string;
  length: number;
}
const chunkOf = (text: string): Chunk => ({ text, length: cpLength(text) });

interface Wrapping {
  /** The width, a float where one was given (textwrap then fails to cut a word: a slice index must be an int). */
  width: number;
  widthIsFloat: boolean;
}
interface Options {
  breakLongWords: boolean;
  /** break_on_hyphens as the two places of textwrap read it: `is True` to split, its truth to cut a long word. */
  splitOnHyphens: boolean;
  cutAtHyphen: boolean;
}

/**
 * TextWrapper._handle_long_word: as much of the next chunk as fits (after its last hyphen when allowed), or all of
 * it on an empty line. Only the part cut is walked (the rest is a slice), so a long word takes time in its length.
 */
function handleLongWord(reversed: Chunk[], line: Chunk[], lineLength: number, w: Wrapping & Options): void {
  if (w.breakLongWords) {
    if (w.widthIsFloat && w.width >= 1) throw new Error('wordwrap: slice indices must be integers or None or have an __index__ method (a float width)');
    const spaceLeft = w.width < 1 ? 1 : w.width - lineLength;
    const chunk = reversed.at(-1)!;
    let end = spaceLeft;
    if (w.cutAtHyphen && chunk.length > spaceLeft) {
      const head = firstCodePoints(chunk.text, spaceLeft);
      const hyphen = head.lastIndexOf('-'); // a '-' is one code unit: > 0 in code units is > 0 in code points
      if (hyphen > 0 && /[^-]/.test(head.slice(0, hyphen))) end = cpLength(head.slice(0, hyphen)) + 1;
    }
    const cut = firstCodePoints(chunk.text, end);
    const cutLength = Math.min(end, chunk.length);
    line.push({ text: cut, length: cutLength });
    reversed[reversed.length - 1] = { text: chunk.text.slice(cut.length), length: chunk.length - cutLength };
  } else if (line.length === 0) line.push(reversed.pop()!);
}

/** textwrap.wrap(text) as jinja2 calls it: the lines, none longer than the width unless a word is and may not be broken. */
function wrap(text: string, widthArg: Value, options: Options): string[] {
  const w = { ...widthOf(widthArg), ...options }; // checked at each call, as textwrap does (never for an empty text)
  if (w.width <= 0) throw new Error(`wordwrap: invalid width ${w.width} (must be > 0)`);
  const chunks = text.split(w.splitOnHyphens ? WORDSEP : WORDSEP_SIMPLE).filter((c) => c !== '');
  const reversed = chunks.reverse().map(chunkOf);
  const lines: string[] = [];
  while (reversed.length > 0) {
    const line: Chunk[] = [];
    let lineLength = 0;
    // whitespace that would begin a line is dropped, except at the very beginning of the text
    if (blank(reversed.at(-1)!.text) && lines.length > 0) reversed.pop();
    while (reversed.length > 0) {
      const n = reversed.at(-1)!.length;
      if (lineLength + n > w.width) break;
      line.push(reversed.pop()!);
      lineLength += n;
    }
    if (reversed.length > 0 && reversed.at(-1)!.length > w.width) {
      handleLongWord(reversed, line, lineLength, w);
      lineLength = line.reduce((sum, c) => sum + c.length, 0);
    }
    if (line.length > 0 && blank(line.at(-1)!.text)) line.pop();
    if (line.length > 0) lines.push(line.map((c) => c.text).join(''));
  }
  return lines;
}

/** A number textwrap compares with (an int, a bool as one, a float), else Python's TypeError at `width <= 0`. */
function widthOf(v: Value): Wrapping {
  if (v.type === 'BooleanValue') return { width: v.value ? 1 : 0, widthIsFloat: false };
  if (v.type === 'IntegerValue' || v.type === 'FloatValue') return { width: Number(v.value as number | bigint), widthIsFloat: v.type === 'FloatValue' };
  throw new Error(`wordwrap: '<=' not supported between instances of '${pyType(v)}' and 'int' (the width)`);
}

export const WORDWRAP: Filter = (v, a) => {
  // do_wordwrap(s, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True): s is not made a str
  if (!isStr(v)) throw new Error(`wordwrap: '${pyType(v)}' object has no attribute 'splitlines'`);
  const widthArg = argOf(a, 0, 'width') ?? V.int(79);
  const hyphens = argOf(a, 3, 'break_on_hyphens') ?? V.bool(true);
  const options: Options = {
    breakLongWords: (argOf(a, 1, 'break_long_words') ?? V.bool(true)).__bool__().value,
    splitOnHyphens: hyphens.type === 'BooleanValue' && hyphens.value === true,
    cutAtHyphen: hyphens.__bool__().value,
  };
  const given = argOf(a, 2, 'wrapstring');
  // only None means the newline: an undefined one fails at its .join, as jinja2's Undefined does
  if (given?.type === 'UndefinedValue') throw new Error("wordwrap: the wrapstring is undefined (jinja2's UndefinedError)");
  const wrapstring = given === undefined || isNone(given) ? V.str('\n') : given;
  if (!isStr(wrapstring)) throw new Error(`wordwrap: '${pyType(wrapstring)}' object has no attribute 'join' (the wrapstring)`);
  const paragraphs = (callMethod(v, 'splitlines', [], new Map())!.value as Value[]).map((line) => wrap(pyStr(line), widthArg, options));
  // a Markup wrapstring's join escapes what it joins (markupsafe), a str's does not
  if (!isMarkup(wrapstring)) return V.str(paragraphs.map((lines) => lines.join(wrapstring.value)).join(wrapstring.value));
  return markupOf(paragraphs.map((lines) => lines.map((line) => markupText(V.str(line))).join(wrapstring.value)).join(wrapstring.value));
};
