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
/** HTML 4's names of U+00A0–U+00FF in order, &nbsp; to &yuml;: every accented letter, capitals too (&Ouml;, &Eacute;). */
const LATIN1_NAMES = ('nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro ' +
  'para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc ' +
  'Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig ' +
  'agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc ' +
  'otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml').split(' ');
/** Names decoded: HTML 4's Latin-1 set, and its punctuation, arrows and symbols that scraped text holds (&rsquo;, &rarr;, &ne;). */
const NAMED: Readonly<Record<string, string>> = {
  ...Object.fromEntries(LATIN1_NAMES.map((n, i) => [n, String.fromCharCode(0xa0 + i)])),
  quot: '"', amp: '&', lt: '<', gt: '>', apos: "'", OElig: '\u0152', oelig: '\u0153', Scaron: '\u0160', scaron: '\u0161', Yuml: '\u0178',
  fnof: '\u0192', circ: '\u02C6', tilde: '\u02DC', ensp: '\u2002', emsp: '\u2003', thinsp: '\u2009', ndash: '\u2013', mdash: '\u2014',
  lsquo: '\u2018', rsquo: '\u2019', sbquo: '\u201A', ldquo: '\u201C', rdquo: '\u201D', bdquo: '\u201E', dagger: '\u2020', Dagger: '\u2021',
  bull: '\u2022', hellip: '\u2026', permil: '\u2030', prime: '\u2032', Prime: '\u2033', lsaquo: '\u2039', rsaquo: '\u203A', oline: '\u203E',
  frasl: '\u2044', euro: '\u20AC', trade: '\u2122', larr: '\u2190', uarr: '\u2191', rarr: '\u2192', darr: '\u2193', harr: '\u2194',
  minus: '\u2212', le: '\u2264', ge: '\u2265', ne: '\u2260', asymp: '\u2248', infin: '\u221E', hearts: '\u2665', spades: '\u2660',
  clubs: '\u2663', diams: '\u2666',
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
