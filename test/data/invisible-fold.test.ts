// invisibleFold (exact dedup's key and class names): a scan over code points that folds what its header says — checked
// against that rule written as one regex (the former implementation, quadratic in a run of marks before a ZWJ) on random texts
// of the characters it turns on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invisibleFold } from '../../src/data/invisible-fold.ts';
import { Rng } from '../../src/util/rng.ts';

const AS_A_REGEX = /\u00AD|(?<=[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}][\p{M}\u00AD\u200D]*)\u200D(?![\p{M}\u00AD]*(?![\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{L})/gu;

test('invisibleFold gives what the rule written as a regex gives, on 20,000 random texts of letters of joining and non-joining scripts, marks, soft hyphens, ZWJs and emoji', () => {
  const pool = ['a', 'Q', 'é', '\u03BA', '\u0445', '\u0645', '\u0915', '\u094D', '\u0301', '\u0308', '\u00AD', '\u200D', '\u200D', '\u{1F468}', '\uFE0F', ' ', '1', '-', '\u4E2D', 'ª'];
  const rng = new Rng(7);
  for (let n = 0; n < 20_000; n++) {
    let text = '';
    const length = 1 + Math.floor(rng.next() * 12);
    for (let i = 0; i < length; i++) text += pool[Math.floor(rng.next() * pool.length)]!;
    assert.equal(invisibleFold(text), text.replace(AS_A_REGEX, ''), JSON.stringify(text));
  }
});

test('invisibleFold keeps a text without soft hyphens or ZWJs as it is, and folds long runs of marks and ZWJs', () => {
  const plain = 'plain text, no joiners \u0301';
  assert.equal(invisibleFold(plain), plain);
  assert.equal(invisibleFold('a' + '\u0301'.repeat(3000) + '\u200D'), 'a' + '\u0301'.repeat(3000));
  assert.equal(invisibleFold('a' + '\u200D'.repeat(3000) + 'b'), 'ab');
  assert.equal(invisibleFold('a' + '\u200D'.repeat(3) + '\u0645'), 'a\u200D\u0645'); // a run folds to the one that joins the meem
});
