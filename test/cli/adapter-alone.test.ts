// eval, generate and classify with `--adapter DIR` alone take the base its adapter_config.json's base_model_name_or_path
// names, where that is a model folder from here (as AutoPeftModelForCausalLM loads it, and as export --format gguf does):
// the same output as with that folder given as --model, and the base said on stderr. Before, they refused ("--adapter
// needs the base model it applies to, as --model") although the adapter named it. A Hub id or no base is refused in one
// line naming what the adapter says; a base folder of other shapes, as with --model (the
// base said on the line before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { saveAdapter } from '../../src/model/peft-save.ts';
import { Rng } from '../../src/util/rng.ts';
import { makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli } from './in-process-cli.ts';

const root = tempDir('mt-adapter-alone-');
const base = await makeTokenizerModel(path.join(root, 'base'), 5);
const DATA = path.join(root, 'qa.jsonl');
fs.writeFileSync(DATA, ['Peru', 'Chile', 'Laos'].map((c) => JSON.stringify({ prompt: `What is the capital of ${c}?`, completion: ' I do not know.' })).join('\n') + '\n');
const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An adapter saved over `base` (a SEQ_CLS one with a 3-class score head), its B weights not zero so that it changes the output; its adapter_config.json then names `named`. */
function adapter(name: string, cls: boolean, named: string | null = base): string {
  const m = loadModel(base, { backend: createBackend('cpu') });
  const lora = createAdapter(m, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj', 'o_proj', 'down_proj'], useRslora: false }, new Rng(0), false);
  for (const layer of lora.layers) {
    for (const pair of Object.values(layer)) {
      const n = pair.B.length;
      m.backend.upload(pair.B, { dtype: 'f32', data: Float32Array.from({ length: n }, (_, i) => 4 * Math.cos(i)) });
    }
  }
  if (cls) {
    const w = m.backend.alloc('f32', 3 * m.cfg.hiddenSize);
    m.backend.upload(w, { dtype: 'f32', data: Float32Array.from({ length: 3 * m.cfg.hiddenSize }, (_, i) => Math.sin(i)) });
    m.setScoreHead(w, true);
  }
  const dir = path.join(root, name);
  saveAdapter(m, dir, { taskType: cls ? 'SEQ_CLS' : 'CAUSAL_LM', baseModel: base });
  const file = path.join(dir, 'adapter_config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), base_model_name_or_path: named }, null, 2));
  return dir;
}

const gen = adapter('gen', false), cls = adapter('cls', true);
/** Each command's arguments after its weights, and the adapter it is given. */
const COMMANDS: Array<[string, string, string[]]> = [
  ['generate', gen, ['--prompt', 'What is the capital of Peru?', '--max-new-tokens', '6']],
  ['eval', gen, ['--data', DATA, '--json']],
  ['classify', cls, ['--text', 'a short text', '--json']],
];

for (const [command, dir, rest] of COMMANDS) {
  test(`${command} --adapter DIR without --model: over the base its adapter_config.json names, the same stdout as with that --model`, async () => {
    const alone = await cli([command, '--adapter', dir, ...rest]);
    assert.equal(alone.code, 0, alone.err);
    const given = await cli([command, '--model', base, '--adapter', dir, ...rest]);
    assert.equal(given.code, 0, given.err);
    assert.ok(alone.out.length > 0);
    assert.equal(alone.out, given.out);
    assert.match(alone.err, new RegExp(`^base model: ${escaped(base)} \\(${escaped(path.join(dir, 'adapter_config.json'))}'s base_model_name_or_path\\)$`, 'm'));
    assert.doesNotMatch(given.err, /^base model: /m);
    // the adapter is applied: the base alone says otherwise
    assert.notEqual((await cli([command, '--model', base, ...rest])).out, alone.out);
  });
}

test('eval, generate and classify --adapter DIR alone naming a Hub id, or no base: refused in one line saying what it names, that --model is needed', async () => {
  for (const [name, named, why] of [['hub', 'mistralai/Mistral-7B-v0.1', 'its adapter_config.json\'s base_model_name_or_path, "mistralai/Mistral-7B-v0.1", is no model folder from here'], ['none', null, 'its adapter_config.json names none']] as const) {
    for (const [command, , rest] of COMMANDS) {
      const dir = adapter(`${name}-${command}`, command === 'classify', named);
      const r = await cli([command, '--adapter', dir, ...rest]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, '');
      assert.equal(r.err, `error: ${dir}: --adapter without --model: give its base model folder as --model (${why})\n`);
    }
  }
});

test('eval, generate and classify --adapter DIR alone naming a base folder of other shapes: the shape error --model gives, after the line naming that folder', async () => {
  const other = await makeTokenizerModel(path.join(root, 'other'), 1, { config: { hidden_size: 48, head_dim: 24 } });
  for (const [command, , rest] of COMMANDS) {
    const dir = adapter(`other-${command}`, command === 'classify', other);
    const alone = await cli([command, '--adapter', dir, ...rest]);
    const given = await cli([command, '--model', other, '--adapter', dir, ...rest]);
    assert.equal(alone.code, 2, alone.err);
    assert.equal(given.code, 2, given.err);
    const error = (s: string): string => s.split('\n').filter((l) => l.startsWith('error: ')).join('\n');
    assert.match(error(alone.err), new RegExp(`^error: .*adapter_model\\.safetensors: tensor "[^"]+" has shape \\[\\d+, \\d+\\], expected \\[\\d+, \\d+\\] from the base model at ${escaped(other)}$`));
    assert.equal(error(alone.err), error(given.err));
    // the base folder the shapes are those of is said before it
    assert.match(alone.err, new RegExp(`^base model: ${escaped(other)} \\(`, 'm'));
  }
});
