// Host validation of batches: token ids, next-token targets, class labels and the pad id are checked when a
// batch is built (collate, packing's collation, the model's collate, generation's prompt), with a UserError
// that says which row and what, so no kernel ever receives an index it would have to refuse.
import assert from 'node:assert/strict';
import { generate } from '../../src/model/generate.ts';
import { classificationBackward } from '../../src/model/backward.ts';
import { collate, collatePacked } from '../../src/data/batch.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { isUserError } from '../../src/util/errors.ts';
import { TINY_BASE } from '../helpers.ts';
import { test, testBackend } from '../backend/device.ts';

/** A UserError whose message matches every pattern. */
const userError = (...patterns: RegExp[]) => (e: unknown): boolean => {
  assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
  for (const p of patterns) assert.match(e.message, p);
  return true;
};

const V = 512;
const limits = { vocabSize: V, numLabels: 3 };

test('collate refuses ids, targets, labels and pad ids outside the model, naming the row', () => {
  const ok = { inputIds: [1, 2, 3], labels: [-100, 2, 511] };
  assert.doesNotThrow(() => collate([ok], 0, 0, limits));
  assert.throws(() => collate([ok, { inputIds: [1, 512] }], 0, 0, limits), userError(/row 1 of the batch/, /input_ids\[1\] = 512/, /\[0, 512\)/));
  assert.throws(() => collate([{ inputIds: [1, 2, 3], labels: [-100, 2, 600] }], 0, 0, limits), userError(/row 0/, /labels\[2\] = 600/));
  assert.throws(() => collate([{ inputIds: [1, 2], labels: [-100, -1] }], 0, 0), userError(/labels\[1\] = -1/)); // no limit needed
  assert.throws(() => collate([{ inputIds: [1, 2], label: 3 }], 0, 0, limits), userError(/label 3/, /\[0, 3\)/));
  assert.throws(() => collate([ok], 512, 0, limits), userError(/pad id 512/));
});

test('collatePacked checks every packed sample', () => {
  assert.throws(() => collatePacked([[{ inputIds: [1, 2] }, { inputIds: [3, 9999] }]], 0, 8, limits), userError(/sample 1 of the batch/, /9999/));
});

const model = loadModel(TINY_BASE, { backend: testBackend() });

test('the model\'s collate bounds targets by its vocabulary: a bad target stops before any kernel', () => {
  const rows = [{ inputIds: [1, 5, 6] }, { inputIds: [1, 5, 6], labels: [-100, 5, 700] }];
  assert.throws(() => model.loss(model.collate(rows)), userError(/row 1 of the batch/, /labels\[2\] = 700/));
});

test('a batch collated without the model\'s limits (the library\'s collate) is bounded by the model: a target past its vocabulary is refused, not ignored', () => {
  const batch = collate([{ inputIds: [1, 5, 6], labels: [-100, 5, 700] }], 0, null);
  assert.throws(() => model.loss(batch), userError(/^batch\.targets\[1\] is 700: a target is a token id in \[0, 512\) or -100/));
  assert.ok(Number.isFinite(model.loss(collate([{ inputIds: [1, 5, 6], labels: [-100, 5, 7] }], 0, null)).sum));
});

test('generate refuses a prompt id outside the vocabulary', () => {
  assert.throws(() => generate(model, [1, 600], { maxNewTokens: 2 }), userError(/^generate: prompt\[1\] is 600: give token ids in \[0, 512\)/));
  // checkRow's rule, in generate's words: an id that is no integer is shown as written
  assert.throws(() => generate(model, [1, '2' as never], { maxNewTokens: 2 }), { message: 'generate: prompt[1] is "2": give token ids in [0, 512) (the model\'s vocab_size)' });
  assert.throws(() => generate(model, [-1], { maxNewTokens: 2 }), { message: 'generate: prompt[0] is -1: give token ids in [0, 512) (the model\'s vocab_size)' });
});

// A batch made by hand (the library's Batch) reaches the model unchecked by collate: forward checks its values
// (checkBatchValues), the classification paths its scoreIndex (checkScoreIndex), each naming the entry.
const handMade = () => collate([{ inputIds: [1, 5, 6, 7], label: 1 }, { inputIds: [1, 8, 9], label: 2 }], 0, 0); // T = 4; row 1 padded at 7

test('a hand-made batch\'s input id outside the vocabulary is named by its entry, row and position', () => {
  const b = handMade();
  b.inputIds[6] = 600;
  assert.throws(() => model.loss(b), userError(/^batch\.inputIds\[6\] \(row 1, position 2\) is 600: a token id is in \[0, 512\)/));
});

test('a target at padding (a padded query sees no key: HF\'s loss there differs) and a targetCount that is not the targets\' count are refused, not summed', () => {
  const b = handMade();
  b.targets[7] = 5;
  b.targetCount++;
  assert.throws(() => model.loss(b), userError(/^batch\.targets\[7\] \(row 1, position 3\) is 5 at padding \(batch\.segments\[7\] = -1\)/));
  const c = handMade();
  c.targetCount = 99;
  assert.throws(() => model.loss(c), userError(/^batch\.targetCount is 99 but batch\.targets holds 5 targets/));
});

test('a scoreIndex outside its row or at padding is refused by classLogits and classificationBackward; collate\'s own picks pass', () => {
  const m = loadModel(TINY_BASE, { backend: testBackend() });
  const C = m.cfg.hiddenSize, w = m.backend.alloc(m.dtype, 3 * C);
  m.backend.upload(w, { dtype: 'f32', data: new Float32Array(3 * C).fill(0.01) });
  m.setScoreHead(w, false);
  for (const [index, why] of [[-1, /is -1: row 0's scored token is a flat index b·T \+ t in \[0, 4\)/], [5, /is 5: row 0's/], [100, /is 100: row 0's/]] as const) {
    const b = handMade();
    b.scoreIndex[0] = index;
    assert.throws(() => m.classLogits(b), userError(/^classLogits: batch\.scoreIndex\[0\] /, why));
    assert.throws(() => classificationBackward(m, b, 1), userError(/^classificationBackward: batch\.scoreIndex\[0\] /, why));
  }
  const b = handMade();
  b.scoreIndex[1] = 7;
  assert.throws(() => m.classLogits(b), userError(/^classLogits: batch\.scoreIndex\[1\] is 7 \(row 1, position 3\), a padding token/));
  assert.equal(m.classLogits(handMade()).length, 6);
  assert.equal(m.classLogits(collate([{ inputIds: [1, 5], label: 0 }, { inputIds: [], label: 1 }], 0, 0)).length, 6); // an empty row: scored at its padding
  assert.ok(Number.isFinite(m.loss(collatePacked([[{ inputIds: [1, 5, 6] }, { inputIds: [1, 7] }], [{ inputIds: [1, 2] }]], 0)).sum));
});

test('a batch of the wrong shape given to loss, tokenLosses, logits or classLogits is named by the function (was a TypeError inside)', () => {
  const row = { inputIds: [1, 2, 3] };
  for (const [fn, call] of [['loss', () => model.loss(row as never)], ['tokenLosses', () => model.tokenLosses(row as never)],
    ['logits', () => model.logits(row as never)], ['forward', () => model.forward(row as never)]] as const) {
    assert.throws(call, userError(new RegExp(`^${fn}: batch has no B and T`)));
  }
  const b = handMade();
  assert.throws(() => model.logits({ ...b, positions: new Int32Array(2) }), userError(/^logits: batch\.positions is not an Int32Array of B·T = 8 entries/));
});
