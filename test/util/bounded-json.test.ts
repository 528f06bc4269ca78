// bounded-json.ts: a long JSON value cut for a message. A list whose every item is shown (one item too long alone, cut
// itself) is closed as it is, not said to go on: it was "[…,…] (1 items)", a "…" for items that are not there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedItemsText, boundedJsonText, boundedListText, boundedPathText, boundedQuotedText, boundedText } from '../../src/util/bounded-json.ts';

test('a list cut to its first items says how many it holds', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => [i]);
  const shown = boundedJsonText(ids);
  assert.match(shown, /^\[\[0\],\[1\],.*,…\] \(1000 items\)$/);
  assert.ok(shown.length < 200, shown);
});

test('a list of one item too long alone shows that item cut, and no more items than it has', () => {
  const long = 'x'.repeat(500);
  assert.equal(boundedJsonText([long]), `[${boundedJsonText(long, 159)}]`);
  assert.match(boundedJsonText([long]), /^\["x+…" \(500 characters\)\]$/);
  const inner = Array.from({ length: 300 }, (_, i) => i);
  assert.match(boundedJsonText([inner]), /^\[\[0,1,2,.*,…\] \(300 items\)\]$/);
  // its bad item named as before
  assert.match(boundedListText([inner], () => false), /^\[\[0,1,2,.*,…\] \(300 items\)\], whose item 0 is \[0,1,2,.*,…\] \(300 items\)$/);
});

test('boundedJsonText never cuts a surrogate pair in half', () => {
  // the cut fell between the two halves of an emoji: a lone surrogate in the message
  const text = boundedJsonText('a'.repeat(158) + '😀'.repeat(10), 160);
  assert.equal(text.slice(0, 160), `"${'a'.repeat(158)}…`);
  assert.doesNotMatch(text, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
});

test('a quoted value is cut inside its quotes, which close it, never in an escape; its count is its own characters', () => {
  // before: "xxx… (1048578 characters)": the quotes counted, the opening one left unclosed
  assert.equal(boundedJsonText('x'.repeat(1 << 20), 10), '"xxxxxxxxx…" (1048576 characters)');
  assert.equal(boundedQuotedText('ab' + '\n'.repeat(100), 10), '"ab\\n\\n\\n…" (102 characters)');
  assert.equal(boundedQuotedText('a\\'.repeat(100), 10), '"a\\\\a\\\\a\\\\…" (200 characters)');
  assert.equal(boundedQuotedText('a\u0001'.repeat(100), 12), '"a\\u0001a…" (200 characters)');
  // a quoting of the caller's own (\u-spelled white space) is cut so too
  assert.equal(boundedQuotedText('a\u00a0'.repeat(100), 12, (v) => JSON.stringify(v).replaceAll('\u00a0', '\\u00a0')), '"a\\u00a0a…" (200 characters)');
  // words before an item stay outside its quotes
  assert.equal(boundedItemsText([7], { before: (id) => `id ${id} `, say: () => 'y'.repeat(200), quote: true }), `id 7 "${'y'.repeat(159)}…" (200 characters)`);
  // a number among quoted items is said as it is
  assert.equal(boundedItemsText([3, 'a'], { quote: true }), '3, "a"');
});

test('a text not said to be quoted is cut as it is, its count all its characters, though it looks like a JSON string literal', () => {
  // before: boundedText took such a text for a quoted value: "…" (200 characters) for a text of 302
  const raw = '"' + 'a\\n'.repeat(100) + '"';
  assert.equal(boundedItemsText([raw]), `${raw.slice(0, 160)}… (302 characters)`);
  assert.equal(boundedText(raw), `${raw.slice(0, 160)}… (302 characters)`);
  assert.equal(boundedText(`"abc${'x'.repeat(20)}`, 10), '"abcxxxxxx… (24 characters)');
  // the same value said quoted: cut inside its quotes, counted by its own characters
  assert.equal(boundedItemsText(['a\n'.repeat(100)], { quote: true }), `"${'a\\n'.repeat(53)}…" (200 characters)`);
});

test('an absent value (undefined) is said "undefined", as a template says it, not a TypeError', () => {
  assert.equal(boundedJsonText(undefined), 'undefined');
});

test('boundedItemsText names the first items and counts the rest, each item cut to its start', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);
  assert.equal(boundedItemsText(items), '0, 1, 2, 3, 4, 5, 6, 7 and 92 more');
  assert.equal(boundedItemsText(items, { shown: 2, noun: 'files', total: true }), '0, 1 and 98 more files (100 in all)');
  assert.equal(boundedItemsText(['a', 'b'], { quote: true, separator: '; ' }), '"a"; "b"');
  // a megabyte item was echoed whole
  const huge = boundedItemsText(['x'.repeat(1 << 20), 'y'], { quote: true });
  assert.match(huge, /^"x+…" \(1048576 characters\), "y"$/);
  assert.ok(huge.length < 200, huge);
  // the message's own words after an item stay
  assert.equal(boundedItemsText(['x'.repeat(200)], { after: () => ' (id 5)' }), `${'x'.repeat(160)}… (200 characters) (id 5)`);
});

test('a long path is cut in its middle: its start and its file name kept, no surrogate pair split', () => {
  // before: cut to its first 1024 characters, a path of 6005 lost its file name
  const deep = `/data/${'d/'.repeat(3000)}train.jsonl`;
  assert.equal(boundedItemsText([deep, 'b.pdf'], { keepEnd: true }), `${deep.slice(0, 512)}…${deep.slice(-512)} (${deep.length} characters), b.pdf`);
  assert.equal(boundedPathText('short/a.txt'), 'short/a.txt');
  // a pair at either cut is kept whole or left out whole
  assert.equal(boundedPathText('aaaa\u{1F600}bbbbbbbbbb\u{1F600}cccc', 10), 'aaaa…cccc (22 characters)');
  assert.equal(boundedPathText('aaa\u{1F600}bbbbbbbbbb\u{1F600}ccc', 10), 'aaa\u{1F600}…\u{1F600}ccc (20 characters)');
});
