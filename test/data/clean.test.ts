import assert from 'node:assert/strict';
import { test } from 'node:test';
import { charLength, normalizeText } from '../../src/data/clean.ts';

test('NFC: a decomposed é becomes the composed one', () => {
  assert.equal(normalizeText('Cafe\u0301'), 'Caf\u00e9');
});

test('newlines: CRLF, CR, NEL, LS and PS become \\n', () => {
  assert.equal(normalizeText('a\r\nb\rc\u0085d\u2028e\u2029f'), 'a\nb\nc\nd\ne\nf');
});

test('control and zero-width characters are stripped; ZWJ and ZWNJ are kept', () => {
  assert.equal(normalizeText('a\u0000b\u0007c\u001bd\u007fe\u009ff'), 'abcdef');
  assert.equal(normalizeText('zero\u200bwidth\u2060join\ufeffbom'), 'zerowidthjoinbom');
  const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
  assert.equal(normalizeText(family), family);
  assert.equal(normalizeText('\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645'), '\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645');
});

test('whitespace: exotic spaces to " ", runs between words collapsed, trailing spaces removed, blank-line runs collapsed, trimmed; indentation and tabs kept', () => {
  assert.equal(normalizeText('a\u00a0b\u3000c\u2003d'), 'a b c d');
  assert.equal(normalizeText('line one   \nline two\t\n'), 'line one\nline two');
  assert.equal(normalizeText('p1\n\n\n\n\np2'), 'p1\n\np2');
  assert.equal(normalizeText('def f():\n    return 1\n\tx'), 'def f():\n    return 1\n\tx');
  assert.equal(normalizeText('many    spaces   between\n    words  here'), 'many spaces between\n    words here');
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
