// Python's html.unescape (what markupsafe's striptags, and so jinja2's striptags filter, ends with): each numeric
// reference (&#65; &#x41;, the ';' optional) is its character, or HTML5's replacement of an invalid one; each named
// reference is looked up in html.entities.html5 (the legacy names also without ';'), else its longest leading name
// that is (&ampx is &x, &notit is ¬it), else it stays as written.
import { HTML5_ENTITIES, INVALID_CHARREFS, INVALID_CODEPOINTS } from './html5-entities.ts';

/** html._charref: Python's [^…]{1,32} counts code points (the u flag). */
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function numeric(body: string): string {
  const digits = body.replace(/;$/, '');
  const big = digits[1] === 'x' || digits[1] === 'X' ? BigInt('0x' + digits.slice(2)) : BigInt(digits.slice(1));
  if (big > 0x10ffffn) return '\ufffd';
  const n = Number(big);
  const invalid = INVALID_CHARREFS.get(n);
  if (invalid !== undefined) return invalid;
  if (n >= 0xd800 && n <= 0xdfff) return '\ufffd';
  return INVALID_CODEPOINTS.has(n) ? '' : String.fromCodePoint(n);
}

function named(body: string): string {
  if (Object.hasOwn(HTML5_ENTITIES, body)) return HTML5_ENTITIES[body]!;
  const chars = [...body];
  for (let x = chars.length - 1; x > 1; x--) {
    const name = chars.slice(0, x).join('');
    if (Object.hasOwn(HTML5_ENTITIES, name)) return HTML5_ENTITIES[name]! + chars.slice(x).join('');
  }
  return '&' + body;
}

/** html.unescape(text). */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF, (_ref, body: string) => (body[0] === '#' ? numeric(body) : named(body)));
}
