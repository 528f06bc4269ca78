// Small helpers for the page: elements built with text content only (never innerHTML, so nothing from a
// run's files can inject markup), text of a run's files isolated from the words around it, and number formatting.

/** h('td', {class: 'num'}, 'text', childNode, ...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Right-to-left letters and the explicit direction marks, embeddings, overrides and isolates of Unicode's bidi algorithm. */
const BIDI = /[\u0590-\u08ff\u200f\u202a-\u202e\u2066-\u2069\ufb1d-\ufdff\ufe70-\ufefc]|[\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;
const OPENS = { '\u202a': '\u202c', '\u202b': '\u202c', '\u202d': '\u202c', '\u202e': '\u202c', '\u2066': '\u2069', '\u2067': '\u2069', '\u2068': '\u2069' };

/**
 * `text` (a run's name, a label: text of the run's files) as an isolate (FSI … PDI) when it holds right-to-left letters
 * or direction controls, so that it is laid out as alone and moves none of the words after it: a run named with a
 * right-to-left override (U+202E) drew "train" after it as "niart" and its colon before it in each chart's legend. The
 * text's own controls are closed inside the isolate, and a closer it did not open is left out (it would end the
 * isolate early). Other text is returned as it is.
 */
export function isolate(text) {
  const s = String(text);
  if (!BIDI.test(s)) return s;
  const open = []; // the closers the text owes, innermost last
  let out = '';
  for (const c of s) {
    if (OPENS[c]) open.push(OPENS[c]);
    else if (c === '\u202c') { // closes the innermost embedding or override, none past an isolate
      if (open.at(-1) !== '\u202c') continue;
      open.pop();
    } else if (c === '\u2069') { // closes the innermost isolate and the embeddings opened in it
      const at = open.lastIndexOf('\u2069');
      if (at < 0) continue;
      open.length = at;
    }
    out += c;
  }
  return `\u2068${out}${open.reverse().join('')}\u2069`;
}

/** `text` cut to its first `max` characters (whole code points) and an ellipsis: a label repeated in a tooltip per cell. */
export function clip(text, max) {
  const s = String(text);
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  // a surrogate pair cut in two would leave half a character
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** A number with 4 significant digits, exponent form for very large or small values. */
export function fmt(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return Number(v.toPrecision(4)).toExponential();
  return String(Number(v.toPrecision(4)));
}

/** A short axis tick label, no trailing zeros: below 1e-3 and from 1e6 on in exponent form to 3 significant digits (4e-4,
 * 1.23e+6, 1.5e+38), else to 4 (0.1235, 123500). */
export function fmtAxis(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return Number(v.toPrecision(3)).toExponential();
  return String(Number(v.toPrecision(4)));
}
