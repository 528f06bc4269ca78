// The model argument of the backward functions the trainer calls (causalLmBackwardInto, classificationBackwardInto),
// checked as the library's entry points check theirs: an object that is no model was a TypeError from inside.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { causalLmBackwardInto, classificationBackwardInto } from '../../src/model/backward.ts';
import { collate } from '../../src/data/batch.ts';
import { isUserError } from '../../src/util/errors.ts';

test('causalLmBackwardInto and classificationBackwardInto refuse a model that is none, naming themselves', () => {
  const batch = collate([{ inputIds: [1, 2], label: 0 }], 0, 0);
  for (const [fn, backward] of [['causalLmBackwardInto', causalLmBackwardInto], ['classificationBackwardInto', classificationBackwardInto]] as const) {
    assert.throws(() => backward({} as never, batch, 1, {} as never),
      (e: unknown) => isUserError(e) && e.message === `${fn}: model is an object that is no model: give loadModel(folder, {backend})`, fn);
  }
});
