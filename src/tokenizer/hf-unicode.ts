// HF tokenizers' Unicode normalizers (NFC, NFD, NFKC, NFKD) and StripAccents run on Unicode tables older than
// JavaScript's (tokenizers 0.23's unicode-normalization-alignments, about Unicode 9; node 20's ICU: Unicode 17), so a
// character added since is one HF leaves as it is (no decomposition, combining class 0, not a mark) where String.normalize
// and \p{M} change it: ㋿ (U+32FF) is ㋿ in transformers, 令和 in JavaScript's NFKC. Ours keep those characters as HF does.
// The tables are measured, not typed: UNKNOWN holds each code point whose NFC/NFD/NFKC/NFKD alone differs between
// tokenizers 0.23.2 (normalizers.X().normalize_str) and node 20.20.2 (all 192 are ones HF leaves as they are), and each
// that node gives a combining class below 240 and HF none ("\u0345" + c reordered by NFD or not); MARKS_JS_ONLY, each
// code point of \p{M} that normalizers.StripAccents() keeps (U+1CF2 and U+1CF3 it removes, which \p{M} lacks). Measured
// 2026-12-05 over every code point, with /tmp/hfvenv (transformers 5.17.0, tokenizers 0.23.2) and node v20.20.2.
// Its regexes (Oniguruma's, Split's and ByteLevel's \p{L}, \p{N}, …) know fewer characters too: REGEX_UNKNOWN holds each
// code point that Regex(r'\p{Cn}') matches in tokenizers 0.23.2 and JavaScript's \p{Cn} does not (4,803: CJK Ext. H, Kawi,
// U+1AD8, …); a regex runs on the text with each of them as an unassigned character (forOnig), as HF reads them.
const UNKNOWN = [
  String.raw`\u{7fd}\u{897}-\u{89f}\u{8ca}-\u{8d3}\u{9fe}\u{c3c}\u{d3b}-\u{d3c}\u{eba}\u{1715}\u{1abf}-\u{1add}`,
  String.raw`\u{1ae0}-\u{1aeb}\u{1df6}-\u{1dfa}\u{32ff}\u{a7f1}-\u{a7f4}\u{a82c}\u{ab69}\u{105c9}\u{105e4}`,
  String.raw`\u{10781}-\u{10785}\u{10787}-\u{107b0}\u{107b2}-\u{107ba}\u{10d24}-\u{10d27}\u{10d69}-\u{10d6d}`,
  String.raw`\u{10eab}-\u{10eac}\u{10efa}-\u{10efb}\u{10efd}-\u{10eff}\u{10f46}-\u{10f50}\u{10f82}-\u{10f85}\u{11070}`,
  String.raw`\u{1133b}\u{11383}\u{11385}\u{1138e}\u{11391}\u{113c5}\u{113c7}-\u{113c8}\u{113ce}-\u{113d0}\u{1145e}`,
  String.raw`\u{11839}-\u{1183a}\u{11938}\u{1193d}-\u{1193e}\u{11943}\u{119e0}\u{11a34}\u{11a47}\u{11a99}\u{11d42}`,
  String.raw`\u{11d44}-\u{11d45}\u{11d97}\u{11f41}-\u{11f42}\u{16121}-\u{16128}\u{1612f}\u{16d68}-\u{16d6a}`,
  String.raw`\u{16ff0}-\u{16ff1}\u{1ccd6}-\u{1ccf9}\u{1e030}-\u{1e06d}\u{1e08f}\u{1e130}-\u{1e136}\u{1e2ae}`,
  String.raw`\u{1e2ec}-\u{1e2ef}\u{1e4ec}-\u{1e4ef}\u{1e5ee}-\u{1e5ef}\u{1e6e3}\u{1e6e6}\u{1e6ee}-\u{1e6ef}\u{1e6f5}`,
  String.raw`\u{1f16c}\u{1fbf0}-\u{1fbf9}`,
].join('');
const MARKS_JS_ONLY = [
  String.raw`\u{7fd}\u{897}-\u{89f}\u{8ca}-\u{8d3}\u{9fe}\u{afa}-\u{aff}\u{b55}\u{c04}\u{c3c}\u{cf3}\u{d00}\u{d3b}-\u{d3c}`,
  String.raw`\u{d81}\u{eba}\u{ece}\u{1715}\u{180f}\u{1abf}-\u{1add}\u{1ae0}-\u{1aeb}\u{1cf7}\u{1df6}-\u{1dfa}\u{a82c}`,
  String.raw`\u{a8ff}\u{10d24}-\u{10d27}\u{10d69}-\u{10d6d}\u{10eab}-\u{10eac}\u{10efa}-\u{10eff}\u{10f46}-\u{10f50}`,
  String.raw`\u{10f82}-\u{10f85}\u{11070}\u{11073}-\u{11074}\u{110c2}\u{11145}-\u{11146}\u{111c9}\u{111ce}-\u{111cf}`,
  String.raw`\u{11241}\u{1133b}\u{113b8}-\u{113c0}\u{113c2}\u{113c5}\u{113c7}-\u{113ca}\u{113cc}-\u{113d0}\u{113d2}`,
  String.raw`\u{113e1}-\u{113e2}\u{1145e}\u{1182c}-\u{1183a}\u{11930}-\u{11935}\u{11937}-\u{11938}\u{1193b}-\u{1193e}`,
  String.raw`\u{11940}\u{11942}-\u{11943}\u{119d1}-\u{119d7}\u{119da}-\u{119e0}\u{119e4}\u{11a01}-\u{11a0a}`,
  String.raw`\u{11a33}-\u{11a39}\u{11a3b}-\u{11a3e}\u{11a47}\u{11a51}-\u{11a5b}\u{11a8a}-\u{11a99}\u{11b60}-\u{11b67}`,
  String.raw`\u{11d31}-\u{11d36}\u{11d3a}\u{11d3c}-\u{11d3d}\u{11d3f}-\u{11d45}\u{11d47}\u{11d8a}-\u{11d8e}`,
  String.raw`\u{11d90}-\u{11d91}\u{11d93}-\u{11d97}\u{11ef3}-\u{11ef6}\u{11f00}-\u{11f01}\u{11f03}\u{11f34}-\u{11f3a}`,
  String.raw`\u{11f3e}-\u{11f42}\u{11f5a}\u{13440}\u{13447}-\u{13455}\u{1611e}-\u{1612f}\u{16f4f}\u{16f7f}-\u{16f87}`,
  String.raw`\u{16fe4}\u{16ff0}-\u{16ff1}\u{1cf00}-\u{1cf2d}\u{1cf30}-\u{1cf46}\u{1e08f}\u{1e130}-\u{1e136}\u{1e2ae}`,
  String.raw`\u{1e2ec}-\u{1e2ef}\u{1e4ec}-\u{1e4ef}\u{1e5ee}-\u{1e5ef}\u{1e6e3}\u{1e6e6}\u{1e6ee}-\u{1e6ef}\u{1e6f5}`,
].join('');
const REGEX_UNKNOWN = [
  String.raw`\u{88f}\u{c5c}\u{cdc}\u{1acf}-\u{1add}\u{1ae0}-\u{1aeb}\u{20c1}\u{2b96}\u{a7ce}-\u{a7cf}\u{a7d2}`,
  String.raw`\u{a7d4}\u{a7f1}\u{fbc3}-\u{fbd2}\u{fd90}-\u{fd91}\u{fdc8}-\u{fdce}\u{10940}-\u{10959}\u{10ec5}-`,
  String.raw`\u{10ec7}\u{10ed0}-\u{10ed8}\u{10efa}-\u{10efb}\u{11b60}-\u{11b67}\u{11db0}-\u{11ddb}\u{11de0}-`,
  String.raw`\u{11de9}\u{16ea0}-\u{16eb8}\u{16ebb}-\u{16ed3}\u{16ff2}-\u{16ff6}\u{187f8}-\u{187ff}\u{18d09}-`,
  String.raw`\u{18d1e}\u{18d80}-\u{18df2}\u{1ccfa}-\u{1ccfc}\u{1ceba}-\u{1ced0}\u{1cee0}-\u{1cef0}\u{1e6c0}-`,
  String.raw`\u{1e6de}\u{1e6e0}-\u{1e6f5}\u{1e6fe}-\u{1e6ff}\u{1f6d8}\u{1f777}-\u{1f77a}\u{1f8d0}-\u{1f8d8}`,
  String.raw`\u{1fa54}-\u{1fa57}\u{1fa8a}\u{1fa8e}\u{1fac8}\u{1facd}\u{1faea}\u{1faef}\u{1fbfa}\u{2b73a}-`,
  String.raw`\u{2b73f}\u{2cea2}-\u{2cead}\u{323b0}-\u{33479}`,
].join('');
const REGEX_UNKNOWN_CHAR = new RegExp(`[${REGEX_UNKNOWN}]`, 'gu');

/**
 * `text` as HF's regexes read it: each character they do not know (REGEX_UNKNOWN) as one unassigned in both, of the
 * same UTF-16 length (U+0378, U+E0080), so that a match's offsets in it are the same in `text`.
 */
export function forOnig(text: string): string {
  return text.replace(REGEX_UNKNOWN_CHAR, (c) => (c.length === 1 ? '\u0378' : '\u{E0080}'));
}

/** A character HF's normalizers do not know (UNKNOWN): each one splits a text into pieces normalized apart. */
const UNKNOWN_CHAR = new RegExp(`[${UNKNOWN}]`, 'u');
const UNKNOWN_RUN = new RegExp(`([${UNKNOWN}])`, 'u');
/** A combining mark as HF's StripAccents reads it. */
const HF_MARK = new RegExp(`(?![${MARKS_JS_ONLY}])\\p{M}|[\\u{1cf2}\\u{1cf3}]`, 'gu');

export type UnicodeForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

/**
 * `text` in Unicode normal form `form` as HF tokenizers gives it: the characters it does not know kept as they are, the
 * text between them normalized by JavaScript, and a character it does not know that a composition made (U+11938 from
 * U+11935 U+11930) decomposed again. A character HF does not know is a starter that composes with nothing, so the pieces
 * between them normalize apart as they do in the whole.
 */
export function hfNormalize(text: string, form: UnicodeForm): string {
  const pieces = text.split(UNKNOWN_RUN); // odd indices: the unknown characters themselves
  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (i % 2 === 1) {
      out += p;
      continue;
    }
    let s = p.normalize(form);
    if ((form === 'NFC' || form === 'NFKC') && UNKNOWN_CHAR.test(s)) s = [...s].map((c) => (UNKNOWN_CHAR.test(c) ? c.normalize('NFD') : c)).join('');
    out += s;
  }
  return out;
}

/** `text` without the combining marks HF's StripAccents removes. */
export function hfStripAccents(text: string): string {
  return text.replace(HF_MARK, '');
}
