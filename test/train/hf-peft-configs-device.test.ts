// hf-peft-configs' training runs (yarn rope with head_dim apart, one KV head, tied, vocab 37, a window; rsLoRA with
// uneven accumulation, all-linear with packing; a llama3-rope classifier) on the test device, as `train` runs them with
// `device` and `precision` set: at fp32 against HF's Trainer + PEFT (each step's loss, lr and grad norm and the final
// adapter within the fp32 tolerances), at bf16 against the CPU backend's bf16 run of the same config (the oracle: bf16
// weights move HF's f32 numbers by more than the bf16 tolerances on these tiny models, by 1.8e-2 on the classifier's
// first loss, on both backends alike). On the CPU, hf-peft-configs.test.ts holds these runs to HF at 1e-5.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { TEST_DEVICE, TEST_PRECISION, assertTol, test, tol } from '../backend/device.ts';
import { FIXTURES, relErr } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { assertLikeHf, readCases, trainCase, trainRows, type RefCase } from './hf-trainer-case.ts';

const REF = path.join(FIXTURES, 'hf-peft-configs');
const scratch = tempDir('mt-hf-peft-device-');
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const skip = TEST_DEVICE === 'cpu' ? 'the CPU runs these cases against HF in hf-peft-configs.test.ts' : false;

/** The case trained on `device` at the test precision in a folder of its own; returns the run folder. */
function train(c: RefCase, device: string): string {
  const dir = path.join(scratch, `${c.name}-${device}`);
  fs.mkdirSync(dir);
  return trainCase(REF, dir, c, { device, precision: TEST_PRECISION });
}

/** The final adapter's tensors of a run, by name. */
function adapterOf(run: string): Map<string, Float32Array> {
  const file = SafetensorsFile.open(path.join(run, 'adapter', 'adapter_model.safetensors'));
  try {
    return new Map(file.names().map((name) => [name, file.readF32(name)]));
  } finally {
    file.close();
  }
}

for (const c of readCases(REF)) {
  test(`${c.name}: ${c.steps.length} steps and the final adapter ${TEST_PRECISION === 'fp32' ? "as HF's Trainer + PEFT" : "as the CPU backend's bf16 run"}`, { skip }, (t) => {
    const run = train(c, TEST_DEVICE);
    if (TEST_PRECISION === 'fp32') {
      t.diagnostic(`${c.name}: largest rel err ${assertLikeHf(REF, c, run, tol('loss')).toExponential(1)}`);
      return;
    }
    const oracle = train(c, 'cpu');
    const ours = trainRows(run), cpu = trainRows(oracle);
    assert.deepEqual(ours.map((r) => r.step), cpu.map((r) => r.step), 'optimizer steps');
    ours.forEach((row, i) => {
      assert.equal(row.lr, cpu[i]!.lr, `step ${row.step} lr`);
      assertTol('loss', Math.abs(row.loss! - cpu[i]!.loss!) / Math.abs(cpu[i]!.loss!), `step ${row.step} loss`);
      assertTol('grad', Math.abs(row.grad_norm! - cpu[i]!.grad_norm!) / Math.abs(cpu[i]!.grad_norm!), `step ${row.step} grad norm`);
    });
    const got = adapterOf(run), want = adapterOf(oracle);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), 'tensors');
    for (const [name, w] of want) assertTol('param', relErr(got.get(name)!, w), `final ${name}`);
  });
}
