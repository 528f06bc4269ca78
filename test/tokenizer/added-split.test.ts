// AddedTokenMatcher (src/tokenizer/added-split.ts): the leftmost-longest split of added tokens, against its definition
// (at each position from the left, the longest token text starting there) on random tokens and texts, and the work it
// takes counted in trie lookups: linear in the text, whatever the tokens' lengths (it walked the trie from each position).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddedTokenMatcher, type Section } from '../../src/tokenizer/added-split.ts';
import type { AddedTokenSpec } from '../../src/tokenizer/tokenizer-json.ts';
import { Rng } from '../../src/util/rng.ts';

function spec(content: string, id: number, flags: Partial<AddedTokenSpec> = {}): AddedTokenSpec {
  return { id, content, special: true, normalized: false, lstrip: false, rstrip: false, single_word: false, ...flags };
}

/** The split by its definition, with plain tokens only: at each position, the longest text starting there, else one character on. */
function splitByDefinition(text: string, tokens: readonly AddedTokenSpec[]): Section[] {
  const out: Section[] = [];
  let done = 0, i = 0;
  while (i < text.length) {
    let best: AddedTokenSpec | null = null;
    // the later of two tokens with one text wins, as the matcher's constructor documents
    for (const t of tokens) if (text.startsWith(t.content, i) && (best === null || t.content.length >= best.content.length)) best = t;
    if (best === null) {
      i++;
      continue;
    }
    if (i > done) out.push({ text: text.slice(done, i), token: null });
    out.push({ text: best.content, token: best });
    done = i = i + best.content.length;
  }
  if (done < text.length) out.push({ text: text.slice(done), token: null });
  return out;
}

test('the split is the leftmost-longest one on random tokens and texts (tokens inside, overlapping and ending others)', () => {
  const rng = new Rng(19);
  const word = (max: number): string => Array.from({ length: 1 + rng.below(max) }, () => 'ab c'[rng.below(4)]).join('');
  for (let round = 0; round < 300; round++) {
    const tokens = Array.from({ length: 1 + rng.below(6) }, (_, k) => spec(word(5), 100 + k));
    const matcher = new AddedTokenMatcher(tokens.map((t) => ({ pattern: t.content, token: t })));
    const text = word(40);
    assert.deepEqual(matcher.split(text), splitByDefinition(text, tokens), `tokens ${JSON.stringify(tokens.map((t) => t.content))}, text ${JSON.stringify(text)}`);
  }
});

test('a long added token almost found at every position takes work linear in the text (counted in trie lookups)', () => {
  // before: 500 lookups at each of the 5,000 positions (a 100,000-"a" token over 200,000 "a"s ran for minutes)
  const long = spec(`${'a'.repeat(500)}b`, 32000);
  const matcher = new AddedTokenMatcher([{ pattern: long.content, token: long }, { pattern: 'aab', token: spec('aab', 32001) }]);
  const text = `${'a'.repeat(5000)}b`;
  const { get, has } = Map.prototype;
  let lookups = 0;
  Map.prototype.get = function (this: Map<unknown, unknown>, k: unknown) { lookups++; return get.call(this, k); };
  Map.prototype.has = function (this: Map<unknown, unknown>, k: unknown) { lookups++; return has.call(this, k); };
  let sections: Section[];
  try {
    sections = matcher.split(text);
  } finally {
    Map.prototype.get = get;
    Map.prototype.has = has;
  }
  assert.deepEqual(sections.map((s) => [s.text.length, s.token?.id ?? null]), [[4500, null], [501, 32000]]);
  assert.ok(lookups <= 4 * text.length, `${lookups} trie lookups for a text of ${text.length} characters`);
});
