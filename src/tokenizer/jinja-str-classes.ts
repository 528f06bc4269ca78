// Python's str predicates (isdigit, isnumeric, isdecimal, isalpha, isalnum, isspace, islower, isupper, istitle,
// isprintable, isidentifier, isascii) by CPython's character classes: JS regexes have the general categories and
// the Lowercase/Uppercase/XID properties CPython's tables use, but no Numeric_Type, so the characters where
// isdigit/isnumeric go beyond \p{Nd}/\p{N} are listed, taken from CPython 3.11 (Unicode 14) by
//   python3 -c "import unicodedata as u; print([hex(c) for c in range(0x110000) if chr(c).isdigit() and u.category(chr(c)) != 'Nd'])"
// (and isnumeric with categories other than Nd, Nl, No: CJK ideographs that are numbers, 一 二 三 …).

/** Numeric_Type=Digit: digits that are not decimal (superscripts, circled and parenthesized digits, …). */
const DIGIT_NOT_DECIMAL = '\\u{b2}-\\u{b3}\\u{b9}\\u{1369}-\\u{1371}\\u{19da}\\u{2070}\\u{2074}-\\u{2079}\\u{2080}-\\u{2089}\\u{2460}-\\u{2468}\\u{2474}-\\u{247c}\\u{2488}-\\u{2490}\\u{24ea}\\u{24f5}-\\u{24fd}\\u{24ff}\\u{2776}-\\u{277e}\\u{2780}-\\u{2788}\\u{278a}-\\u{2792}\\u{10a40}-\\u{10a43}\\u{10e60}-\\u{10e68}\\u{11052}-\\u{1105a}\\u{1f100}-\\u{1f10a}';
/** Numeric_Type=Numeric letters (category Lo): CJK ideographs with a numeric value. */
const NUMERIC_LETTERS = '\\u{3405}\\u{3483}\\u{382a}\\u{3b4d}\\u{4e00}\\u{4e03}\\u{4e07}\\u{4e09}\\u{4e5d}\\u{4e8c}\\u{4e94}\\u{4e96}\\u{4ebf}-\\u{4ec0}\\u{4edf}\\u{4ee8}\\u{4f0d}\\u{4f70}\\u{5104}\\u{5146}\\u{5169}\\u{516b}\\u{516d}\\u{5341}\\u{5343}-\\u{5345}\\u{534c}\\u{53c1}-\\u{53c4}\\u{56db}\\u{58f1}\\u{58f9}\\u{5e7a}\\u{5efe}-\\u{5eff}\\u{5f0c}-\\u{5f0e}\\u{5f10}\\u{62fe}\\u{634c}\\u{67d2}\\u{6f06}\\u{7396}\\u{767e}\\u{8086}\\u{842c}\\u{8cae}\\u{8cb3}\\u{8d30}\\u{9621}\\u{9646}\\u{964c}\\u{9678}\\u{96f6}\\u{f96b}\\u{f973}\\u{f978}\\u{f9b2}\\u{f9d1}\\u{f9d3}\\u{f9fd}\\u{20001}\\u{20064}\\u{200e2}\\u{20121}\\u{2092a}\\u{20983}\\u{2098c}\\u{2099c}\\u{20aea}\\u{20afd}\\u{20b19}\\u{22390}\\u{22998}\\u{23b1b}\\u{2626d}\\u{2f890}';

/** Python's str.isspace() characters (bidi class WS, B or S, or category Zs). */
export const WHITESPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const every = (cls: string) => new RegExp(`^[${cls}]+$`, 'u');
const DECIMAL = every('\\p{Nd}');
const DIGIT = every(`\\p{Nd}${DIGIT_NOT_DECIMAL}`);
const NUMERIC = every(`\\p{N}${NUMERIC_LETTERS}`);
const ALPHA = every('\\p{L}');
const ALNUM = every(`\\p{L}\\p{N}${NUMERIC_LETTERS}`);
const SPACE = every(WHITESPACE);
/** What str.isprintable() refuses: control, format, surrogate, private, unassigned, separators other than ' '. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
/** CPython's ISUPPER/ISLOWER/ISTITLE: category Lu or the Uppercase property, Ll or Lowercase, Lt. */
const UPPER = /[\p{Lu}\p{Uppercase}]/u;
const LOWER = /[\p{Ll}\p{Lowercase}]/u;
const TITLE = /\p{Lt}/u;

/** CPython's islower/isupper: no character of the other case, and at least one of this one. */
function casedAs(s: string, mine: RegExp, other: RegExp): boolean {
  let cased = false;
  for (const ch of s) {
    if (other.test(ch) || TITLE.test(ch)) return false;
    if (mine.test(ch)) cased = true;
  }
  return cased;
}

/** CPython's istitle: upper- and titlecase characters only after uncased ones, lowercase only after cased ones. */
function isTitle(s: string): boolean {
  let cased = false, previousCased = false;
  for (const ch of s) {
    if (UPPER.test(ch) || TITLE.test(ch)) {
      if (previousCased) return false;
      previousCased = cased = true;
    } else if (LOWER.test(ch)) {
      if (!previousCased) return false;
      previousCased = cased = true;
    } else previousCased = false;
  }
  return cased;
}

/** The predicates by method name, each on a whole str ('' is false for all but isprintable and isascii, as in Python). */
export const STR_PREDICATES: Record<string, (s: string) => boolean> = {
  isdecimal: (s) => DECIMAL.test(s),
  isdigit: (s) => DIGIT.test(s),
  isnumeric: (s) => NUMERIC.test(s),
  isalpha: (s) => ALPHA.test(s),
  isalnum: (s) => ALNUM.test(s),
  isspace: (s) => SPACE.test(s),
  islower: (s) => casedAs(s, LOWER, UPPER),
  isupper: (s) => casedAs(s, UPPER, LOWER),
  istitle: isTitle,
  isprintable: (s) => ![...s].some((ch) => ch !== ' ' && UNPRINTABLE.test(ch)),
  isidentifier: (s) => /^[\p{XID_Start}_]\p{XID_Continue}*$/u.test(s),
  isascii: (s) => /^[\0-\x7f]*$/.test(s),
};
