// A loop over a generator (messages | selectattr(…)) reads it as it goes (jinja-loop-state.ts pullItem): the rest
// is taken off in place, one copy per loop, where a copy of the rest per item made a 20k-message chat quadratic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noteLoopField, pullItem, type GeneratorReading, type LoopState } from '../../src/tokenizer/jinja-loop-state.ts';
import { V, type Value } from '../../src/tokenizer/jinja-values.ts';

const reading = (n: number): GeneratorReading => {
  const gen = { value: Array.from({ length: n }, (_, i) => V.int(i) as Value) };
  return { gen, size: n, pulled: 0 };
};

test('pullItem takes each item off the rest of the same array after the first (no copy of the rest per item)', () => {
  const r = reading(5);
  const given = r.gen.value;
  assert.equal(pullItem(r, 1), true);
  const rest = r.gen.value;
  assert.notEqual(rest, given); // the array the loop began with is left as it was (the library iterates it)
  assert.equal(given.length, 5);
  for (let n = 2; n <= 5; n++) {
    assert.equal(pullItem(r, n), true);
    assert.equal(r.gen.value, rest);
    assert.deepEqual(r.gen.value.map((v) => v.value), Array.from({ length: 5 - n }, (_, i) => n + i));
  }
});

test('loop.last reads one item ahead of the same array each iteration', () => {
  const r = reading(4);
  const loop: LoopState = { broken: false, completed: false, scoped: false, changed: null, iterations: 0, peekedAt: 0, readAll: false, reading: r };
  let rest: Value[] | null = null;
  for (let n = 1; n <= 4; n++) {
    loop.iterations = n;
    assert.equal(pullItem(r, n), true);
    noteLoopField(loop, 'last', new Map());
    if (n === 2) rest = r.gen.value;
    if (n > 2) assert.equal(r.gen.value, rest);
    assert.equal(r.gen.value.length, Math.max(0, 4 - n - 1));
  }
});
