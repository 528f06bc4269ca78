// HTML left in scraped text: tags (<p>, <br/>, <a href=…>) and character references (&amp;, &#39;, &#x2014;).
// prepare says how many records hold some (hasHtml); with --strip-html it removes them (stripHtml): script and
// style elements and comments go whole, a tag that ends a block (</p>, <br>, </li>, </div>, </tr>, </h1>…) becomes a
// line break and one that ends a table cell a space, every other tag goes (<b>bold</b>), then the references are
// decoded. Off by default: code and HTML samples keep their markup as written. Only an HTML element's tag is one:
// "a < b > c", "x<y" and List<String> are text.

import { CP1252_80_9F } from './mojibake.ts';

/** HTML's element names (those of text): only these make a tag, so code's List<String> or <T> stays text. */
const ELEMENTS = 'a|abbr|article|aside|b|big|blockquote|body|br|button|caption|center|cite|code|col|dd|del|details|div|dl|dt|em|' +
  'figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|ins|kbd|label|li|link|main|mark|meta|nav|' +
  'ol|p|pre|q|s|section|small|span|strike|strong|sub|summary|sup|table|tbody|td|tfoot|th|thead|title|tr|tt|u|ul';
/** An attribute: a name, and a value quoted or bare (so that "a<b && c>d" is no tag). */
const ATTRIBUTE = `\\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\\s*=\\s*(?:"[^"]*"|'[^']*'|[^\\s"'=<>\`]+))?`;
/** A tag: < or </, an element's name, its attributes, an optional / — or a doctype (comments: dropSpans). */
const TAG = new RegExp(`<!doctype\\b[^<>]*>|<\\/?(?:${ELEMENTS})(?:${ATTRIBUTE})*\\s*\\/?>`, 'gi');
/** What is not text at all, from its opening to its closing: comments, script and style elements. */
const DROPPED: ReadonlyArray<{ open: RegExp; close: RegExp }> = [
  { open: /<!--/g, close: /-->/g },
  { open: /<script\b[^<>]*>/gi, close: /<\/script\s*>/gi },
  { open: /<style\b[^<>]*>/gi, close: /<\/style\s*>/gi },
];
/** Tags that end a line of the rendered text. */
const LINE_BREAK = /^<(?:br\b|\/(?:p|div|li|tr|h[1-6]|blockquote|pre|table|ul|ol|dt|dd|section|article|header|footer)\b)/i;
/** Tags that end a table cell: a space between cells. */
const CELL_END = /^<\/(?:td|th)\b/i;
/** Character references: named (the common ones), decimal, hexadecimal. */
const REFERENCE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));/g;
const NAMED: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00A0', ndash: '–', mdash: '—', hellip: '…', lsquo: '‘',
  rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', copy: '©', reg: '®', trade: '™', deg: '°', middot: '·',
  bull: '•', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶', times: '×', divide: '÷', plusmn: '±',
  frac12: '½', frac14: '¼', frac34: '¾', eacute: 'é', egrave: 'è', agrave: 'à', aacute: 'á', ccedil: 'ç', uuml: 'ü',
  ouml: 'ö', auml: 'ä', szlig: 'ß', ntilde: 'ñ', oacute: 'ó', iacute: 'í', uacute: 'ú', ecirc: 'ê',
};

/** The character a reference stands for, or null (an unknown name, a code point that is no character). */
function referenced(_m: string, dec?: string, hex?: string, name?: string): string | null {
  if (name !== undefined) return Object.hasOwn(NAMED, name) ? NAMED[name]! : null;
  const cp = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
  // as HTML reads them: &#128;–&#159; are the Windows-1252 characters of those bytes (old pages' &#146; is ’, &#150; –),
  // not C1 controls that cleaning would remove ("it&#146;s" → "its"); the five bytes it leaves undefined stay as written
  if (cp >= 0x80 && cp <= 0x9f) {
    const ch = CP1252_80_9F[cp - 0x80]!;
    return ch.charCodeAt(0) > 0x9f ? ch : null;
  }
  // NUL, surrogates and beyond Unicode are no characters (HTML makes them U+FFFD); a control character other than tab and
  // a line break (&#13;, which XML exports such as Stack Exchange's write before every &#10;) is left as written
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp < 0x20 && cp !== 9 && cp !== 10 && cp !== 13)) return null;
  return String.fromCodePoint(cp);
}

/**
 * `text` without the spans each of DROPPED opens and closes, in linear time: one scan each (a regex with a lazy
 * [\s\S]*? would rescan the rest of the text from every opening that has no closing: a text of "<!--" repeated).
 * An opening without a closing after it, and all that follows, is left as text.
 */
function dropSpans(text: string): string {
  for (const { open, close } of DROPPED) {
    let out = '', at = 0;
    for (;;) {
      open.lastIndex = at;
      const o = open.exec(text);
      if (!o) break;
      close.lastIndex = o.index + o[0].length;
      const c = close.exec(text);
      if (!c) break; // none after this opening, so none after any later one
      out += text.slice(at, o.index);
      at = c.index + c[0].length;
    }
    text = out + text.slice(at);
  }
  return text;
}

/** Whether `text` holds a tag or a character reference that stripHtml would remove or decode. */
export function hasHtml(text: string): boolean {
  if (text.indexOf('<') < 0 && text.indexOf('&') < 0) return false;
  TAG.lastIndex = 0;
  if (TAG.test(text) || dropSpans(text) !== text) return true;
  for (const m of text.matchAll(REFERENCE)) if (referenced(m[0], m[1], m[2], m[3]) !== null) return true;
  return false;
}

/** `text` without its HTML (see the file header); the caller normalises the result (spaces, blank lines). */
export function stripHtml(text: string): string {
  if (text.indexOf('<') < 0 && text.indexOf('&') < 0) return text;
  const noTags = dropSpans(text).replace(TAG, (tag) => (LINE_BREAK.test(tag) ? '\n' : CELL_END.test(tag) ? ' ' : ''));
  return noTags.replace(REFERENCE, (m, dec?: string, hex?: string, name?: string) => referenced(m, dec, hex, name) ?? m);
}
