// same-json.js: two values parsed from JSON are the same by content (the run panel keeps a report's tables while the
// report an event carries anew is), told apart by any value, key, key order or kind; deep nesting walked without recursion.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const asset = new URL('../../src/dashboard/assets/same-json.js', import.meta.url).href;
const { sameJson } = (await import(asset)) as { sameJson: (a: unknown, b: unknown) => boolean };

test('equal content parsed twice is the same; a value, a key, its order, a length or a kind changed is not', () => {
  const text = JSON.stringify({ task: 'cls', test: { accuracy: 0.5, confusion: [[1, 0], [0, 1]] }, labels: ['a', 'b'], note: null, ok: true });
  assert.equal(sameJson(JSON.parse(text), JSON.parse(text)), true);
  const base = JSON.parse(text) as Record<string, unknown>;
  for (const other of [
    { ...base, test: { accuracy: 0.75, confusion: [[1, 0], [0, 1]] } },
    { ...base, test: { accuracy: 0.5, confusion: [[1, 0], [1, 1]] } },
    { ...base, labels: ['a', 'b', 'c'] },
    { ...base, labels: { 0: 'a', 1: 'b' } },
    { ...base, note: 0 },
    { ...base, ok: 'true' },
    { ...base, extra: 1 },
    { labels: base.labels, task: base.task, test: base.test, note: base.note, ok: base.ok },
  ]) assert.equal(sameJson(base, JSON.parse(JSON.stringify(other))), false, JSON.stringify(other));
  assert.equal(sameJson(null, null), true);
  assert.equal(sameJson(null, {}), false);
  assert.equal(sameJson([], {}), false);
  assert.equal(sameJson('1', 1), false);
});

test('a value nested 100,000 levels deep is compared without overflowing the stack', () => {
  const deep = (leaf: number): unknown => JSON.parse(`${'['.repeat(100_000)}${leaf}${']'.repeat(100_000)}`);
  assert.equal(sameJson(deep(1), deep(1)), true);
  assert.equal(sameJson(deep(1), deep(2)), false);
});
