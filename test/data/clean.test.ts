import assert from 'node:assert/strict';
import { test } from 'node:test';
import { charLength, normalizeText } from '../../src/data/clean.ts';

test('NFC: a decomposed é becomes the composed one', () => {
  assert.equal(normalizeText('Cafe\u0301'), 'Caf\u00e9');
});

test('newlines: CRLF, CR, NEL, LS and PS become \\n', () => {
  assert.equal(normalizeText('a\r\nb\rc\u0085d\u2028e\u2029f'), 'a\nb\nc\nd\ne\nf');
});

test('VT (a PowerPoint line break) and FF (a page break of pdftotext) are line breaks, not characters to remove: the words stay apart', () => {
  assert.equal(normalizeText('line one\u000bline two'), 'line one\nline two');
  assert.equal(normalizeText('end of page one.\fPage two'), 'end of page one.\nPage two');
  assert.equal(normalizeText('para\n\f\n\nnext'), 'para\n\nnext', 'a page break between blank lines is one blank line');
});

test('FS, GS and RS (a dump\'s file, group and record separators) are line breaks, as Python\'s str.splitlines takes them, not characters to remove: the words stay apart', () => {
  assert.equal(normalizeText('five\x1csix\x1dseven\x1eeight'), 'five\nsix\nseven\neight');
  assert.equal(normalizeText('a\x1fb'), 'ab', 'US (the unit separator) is no line break to Python: removed as a control character');
});

test('control and zero-width characters are stripped; ZWJ and ZWNJ are kept', () => {
  // (an ESC before a letter is a sequence of its own: see the escape tests)
  assert.equal(normalizeText('a\u0000b\u0007c\u001b\u007fd\u009fe'), 'abcde');
  assert.equal(normalizeText('zero\u200bwidth\u2060join\ufeffbom'), 'zerowidthjoinbom');
  const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
  assert.equal(normalizeText(family), family);
  assert.equal(normalizeText('\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645'), '\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645');
});

test('terminal escape sequences go whole: colours, cursor moves, hyperlinks and titles leave no "[31m" behind', () => {
  // before: only the ESC was removed, and "[1;31merror:[0m" was kept as text
  assert.equal(normalizeText('\u001b[1;31merror:\u001b[0m build failed'), 'error: build failed');
  assert.equal(normalizeText('50%\u001b[2K\u001b[1G100% done\u001b(B\u001b[m'), '50%100% done');
  assert.equal(normalizeText('see \u001b]8;;https://x.org\u001b\\the docs\u001b]8;;\u001b\\ now'), 'see the docs now');
  assert.equal(normalizeText('\u001b]0;my title\u0007$ ls\r\nfile.txt'), '$ ls\nfile.txt');
  // a lone ESC (before a space, or a "[" that opens no CSI) is still a control character removed alone; an unclosed
  // OSC string does not swallow the text after it
  assert.equal(normalizeText('a\u001b b [31m is text'), 'a b [31m is text');
  assert.equal(normalizeText('x \u001b[\u00e4 [y]'), 'x [\u00e4 [y]');
  assert.equal(normalizeText('x\u001b]never closed\nnext line'), 'x]never closed\nnext line');
});

test('ECMA-48\'s other escape sequences go whole too: one-byte ones, SS3, DCS and the other control strings', () => {
  // before: "=", ">", "7", "8", "A", the DCS's payload and "31m" were left as text
  assert.equal(normalizeText('a\u001b=b\u001b>c'), 'abc');
  assert.equal(normalizeText('\u001b7saved\u001b8 \u001bcreset'), 'saved reset');
  assert.equal(normalizeText('key \u001bOA up'), 'key up');
  assert.equal(normalizeText('\u001bPq#0;2;0;0;0#0~~\u001b\\after \u001b_app\u001b\\cmd \u001bXsos\u001b\\ \u001b^pm\u0007end'), 'after cmd end');
  // an 8-bit introducer is no sequence (no terminal writes one; Latin-1 mojibake is made of them): removed alone
  assert.equal(normalizeText('\u009b31mred\u009b0m \u009d0;title\u009cok'), '31mred0m 0;titleok');
  // a stray ESC before text of a CSI's shape is read as one, as a terminal reads it (docs/data.md says so)
  assert.equal(normalizeText('press \u001b[Enter]'), 'press nter]');
});

test('whitespace: exotic spaces to " ", runs between words collapsed, trailing spaces removed, blank-line runs collapsed, trimmed; indentation and tabs kept', () => {
  assert.equal(normalizeText('a\u00a0b\u3000c\u2003d'), 'a b c d');
  assert.equal(normalizeText('line one   \nline two\t\n'), 'line one\nline two');
  assert.equal(normalizeText('p1\n\n\n\n\np2'), 'p1\n\np2');
  assert.equal(normalizeText('def f():\n    return 1\n\tx'), 'def f():\n    return 1\n\tx');
  assert.equal(normalizeText('many    spaces   between\n    words  here'), 'many spaces between\n    words here');
  // inside a fenced code block spaces and blank lines are the code's: only trailing spaces go
  const code = 'Use this:\n\n\n\n```python\nimport os\n\n\ndef f():\n    s = "a    b"  # two spaces  \n    return s\n```\nDone  now.';
  assert.equal(normalizeText(code), 'Use this:\n\n```python\nimport os\n\n\ndef f():\n    s = "a    b"  # two spaces\n    return s\n```\nDone now.');
  assert.equal(normalizeText('```\nx  =  1\n```'), '```\nx  =  1\n```');
  assert.equal(normalizeText('~~~~\na  b\n```\nc  d\n~~~~\ne  f'), '~~~~\na  b\n```\nc  d\n~~~~\ne f', 'a fence closes only with its own character, as long');
  assert.equal(normalizeText('```js\nopen  to the end'), '```js\nopen  to the end', 'an unclosed fence runs to the end');
  assert.equal(normalizeText('  \n\n  hello  \n\n '), 'hello');
  assert.equal(normalizeText(' \u200b \u00a0 '), '');
});

test('already-clean text is returned as is', () => {
  const s = 'Hello, world.\nSecond line.\n\nThird paragraph with ünïcödé and 한국어 and 🙂.';
  assert.equal(normalizeText(s), s);
});

test('charLength counts code points', () => {
  assert.equal(charLength('abc'), 3);
  assert.equal(charLength('🙂🙂'), 2);
  assert.equal(charLength('한국어'), 3);
});

test('NFC comes after the stripping: a zero-width or control character between a base and its combining mark', () => {
  assert.equal(normalizeText('e\u200B\u0301'), '\u00e9');
  assert.equal(normalizeText('Cafe\u0007\u0301 au lait'), 'Caf\u00e9 au lait');
  assert.equal(normalizeText('\u1100\uFEFF\u1161'), '\uAC00', 'Hangul jamo compose once the BOM is gone');
});

test('the output is always NFC and a fixed point, on random mixes of bases, marks, controls, zero-width and spaces', () => {
  const pool = ['e', 'a', 'A', 'o', ' ', '  ', '\n', '\t', '\r\n', '\u0301', '\u0308', '\u0327', '\u200B', '\u2060', '\uFEFF', '\u0000', '\u0007', '\u0085', '\u00A0', '\u2003', '\u2001', '\u1100', '\u1161', '\u11A8', '\u200D', '\u212B', 'é', '😀'];
  let seed = 12345;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    const s = Array.from({ length: 1 + next(12) }, () => pool[next(pool.length)]!).join('');
    const out = normalizeText(s);
    assert.equal(out, out.normalize('NFC'), `not NFC: ${JSON.stringify(s)} → ${JSON.stringify(out)}`);
    assert.equal(normalizeText(out), out, `not a fixed point: ${JSON.stringify(s)} → ${JSON.stringify(out)}`);
  }
});

test('a field of invisible characters only (a direction mark, a lone ZWJ, a variation selector, a Hangul filler) is empty; in text they are kept', async () => {
  // before: {"text": "\u200e"} or a completion "\u200d" was kept, a record with nothing to read or train
  for (const s of ['\u200e', ' \u200f\u202a\u202c ', '\u00ad', '\u2063', '\u3164', '\u200d', '\ufe0f', '\u2066\u2069', '\u061c', '\u034f\n\u200c']) {
    assert.equal(normalizeText(s), '', JSON.stringify(s));
    assert.equal(normalizeText(s, 'start'), '', JSON.stringify(s));
    assert.equal(normalizeText(s, 'end'), '', JSON.stringify(s));
  }
  assert.equal(normalizeText('\u200fשלום\u200e'), '\u200fשלום\u200e');
  assert.equal(normalizeText('\u2764\ufe0f'), '\u2764\ufe0f');
  assert.equal(normalizeText('\ue000'), '\ue000', 'a private-use character is a glyph of some font');
  const { detectRecord } = await import('../../src/data/record.ts');
  assert.deepEqual(detectRecord({ text: '\u200e' }, 'generation'), { reason: 'empty', detail: '"text" is empty' });
  assert.deepEqual(detectRecord({ prompt: 'Hi', completion: '\u200d' }, 'generation'), { reason: 'empty', detail: '"completion" is empty' });
});

test('Latin-1 mojibake the repair leaves alone loses only its C1 characters, not the words between them', () => {
  const latin1 = (t: string) => Buffer.from(t, 'utf8').toString('latin1');
  // “ and ” read as Latin-1 end in U+009C and U+009D (8-bit ST and OSC); the real "é" keeps the repair off.
  // before: "Café menu: âHiâbyeâ", the OSC at ” eating " he said, “" to the next ST
  assert.equal(normalizeText('Café menu: ' + latin1('“Hi” he said, “bye”')), 'Café menu: âHiâ he said, âbyeâ');
  // Cyrillic Н and М end in U+009D and U+009C (before: "é ÐÐ¸Ñ")
  assert.equal(normalizeText('é ' + latin1('Нет, Мир')), 'é ÐÐµÑ, ÐÐ¸Ñ');
});

test('a run of C1 characters is read in linear time: each is removed alone, no escape sequence is looked for from it', { timeout: 60_000 }, () => {
  // before: each U+0090 (8-bit DCS) scanned up to 2,048 characters for its end (1M of them: 11 s on 2 cores), and the
  // U+009C closing the run took the words before it
  const run = 'w\u0090'.repeat(100_000) + '\u009c end';
  const out = normalizeText(run);
  assert.ok(out === 'w'.repeat(100_000) + ' end', `${out.length} characters, ending ${JSON.stringify(out.slice(-12))}`);
});
