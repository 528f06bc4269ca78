// jinja2's filters for URLs, XML attributes and HTML tags, which no chat template we know uses, as transformers runs
// them (autoescape off, so their results are plain strs): urlencode (urllib's quoting, UTF-8), xmlattr and striptags;
// urlize is refused (its URL and e-mail detection is long to match), and so is random (a render must be the same each time).
// jinja-python.ts registers them beside the other filters.
import { argOf, iterate, type Filter } from './jinja-filters.ts';
import { markupText } from './jinja-filters-rare.ts';
import { WHITESPACE } from './jinja-str-classes.ts';
import { unescapeHtml } from './html-unescape.ts';
import { REFUSED_FILTERS } from './jinja-refused.ts';
import { V, isDict, isList, isNone, isStr, keyValue, listKind, pyRepr, pyStr, pyType, type Key, type Value } from './jinja-values.ts';

/** urllib.parse.quote_from_bytes of the UTF-8 bytes: letters, digits, _.-~ and `safe` kept, every other byte %XX. */
function quote(text: string, safe: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~]/.test(ch) || safe.includes(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** jinja2.utils.url_quote: str(v) quoted, '/' kept; in a query string (forQuery) '/' quoted too and a space '+'. */
const urlQuote = (v: Value, forQuery: boolean): string =>
  forQuery ? quote(pyStr(v), '').replaceAll('%20', '+') : quote(pyStr(v), '/');

/** The (key, value) pairs of urlencode's operand: a dict's items, else each item unpacked as Python's `for k, v in`. */
function pairs(v: Value): [Value, Value][] {
  if (v.type === 'ObjectValue') return [...(v.value as Map<Key, Value>)].map(([k, x]) => [keyValue(k), x]);
  return iterate(v, 'urlencode').map((item) => {
    const parts = isStr(item) ? [...item.value].map(V.str) : isList(item) && listKind(item) !== 'generator' ? item.value : isDict(item) ? [...item.value.keys()].map(keyValue) : null;
    if (parts === null) throw new Error(`urlencode: cannot unpack non-iterable ${pyType(item)} object`);
    if (parts.length !== 2) throw new Error(`urlencode: ${parts.length < 2 ? 'not enough' : 'too many'} values to unpack (expected 2, got ${parts.length})`);
    return [parts[0]!, parts[1]!];
  });
}

/** XML attribute names may not hold ASCII whitespace, '/', '>' or '=' (jinja2 3.1.4's ValueError). */
const BAD_ATTRIBUTE_NAME = /[ \t\n\r\f\v/>=]/;

/** text without what lies between each '<!--' and the next '-->', then between each '<' and the next '>' (markupsafe 3's loops). */
function stripBetween(text: string, open: string, close: string): string {
  let start: number;
  while ((start = text.indexOf(open)) !== -1) {
    const end = text.indexOf(close, start);
    if (end === -1) break;
    text = text.slice(0, start) + text.slice(end + close.length);
  }
  return text;
}
const SPACES = new RegExp(`[${WHITESPACE}]+`, 'u');

/** markupsafe's Markup(text).striptags(): comments, then tags, removed; runs of whitespace one space (str.split()); html.unescape (html-unescape.ts). */
export function stripTags(text: string): string {
  const stripped = stripBetween(stripBetween(text, '<!--', '-->'), '<', '>');
  return unescapeHtml(stripped.split(SPACES).filter((w) => w !== '').join(' '));
}

export const HTML_FILTERS: Record<string, Filter> = {
  striptags(v) {
    return V.str(stripTags(pyStr(v))); // do_striptags: Markup(str(v)).striptags()
  },
  urlize() {
    throw new Error(REFUSED_FILTERS.urlize);
  },
  random() {
    throw new Error(REFUSED_FILTERS.random);
  },
  urlencode(v) {
    // do_urlencode: a str, or anything not iterable, quoted as a URL path; a dict or (key, value) pairs as a query string
    const iterable = isList(v) || v.type === 'ObjectValue' || v.type === 'UndefinedValue'; // a namespace is none
    if (isStr(v) || !iterable) return V.str(urlQuote(v, false));
    return V.str(pairs(v).map(([k, x]) => `${urlQuote(k, true)}=${urlQuote(x, true)}`).join('&'));
  },
  xmlattr(v, a) {
    // do_xmlattr: key="value" for each item whose value is neither None nor undefined, both escaped, joined by
    // spaces, with one space before them (unless autospace is false) when there are any
    if (v.type !== 'ObjectValue') throw new Error(`xmlattr: '${pyType(v)}' object has no attribute 'items'`);
    const autospace = (argOf(a, 0, 'autospace') ?? V.bool(true)).__bool__().value;
    const items: string[] = [];
    for (const [key, value] of v.value as Map<Key, Value>) {
      if (isNone(value) || value.type === 'UndefinedValue') continue;
      if (typeof key !== 'string') throw new Error("xmlattr: expected string or bytes-like object, got 'int' (an attribute name)");
      if (BAD_ATTRIBUTE_NAME.test(key)) throw new Error(`xmlattr: Invalid character in attribute name: ${pyRepr(V.str(key))}`);
      items.push(`${markupText(V.str(key))}="${markupText(value)}"`);
    }
    const text = items.join(' ');
    return V.str(autospace && text !== '' ? ' ' + text : text);
  },
};
