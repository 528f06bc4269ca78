// Each kind of value the config's schema refuses is told in our words at its file:line:column with its key
// (src/train/config-issues.ts); zod's own ("Too small: expected number to be >=1") leaked before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTrainConfig } from '../../src/train/config.ts';
import { file } from './config-file.ts';
import { writtenTexts } from '../../src/train/config-issues.ts';

/** The one-line error of a config `model: m` (unless `line` sets it), `data: {train: t}` and `line` (line 3), without the file's folder. */
function refusal(line: string): string {
  const f = file(`${line.startsWith('model:') ? 'task: generation' : 'model: m'}\ndata: {train: t}\n${line}\n`);
  try {
    loadTrainConfig(f);
  } catch (e) {
    return (e as Error).message.replace(f, 'c.yaml');
  }
  throw new Error(`${line}: accepted`);
}

test('every kind of refusal the schema makes reads in our words, with the key, its line and the value given', () => {
  const cases: Array<[string, string]> = [
    // too small, too big: numbers (inclusive or not), lists, strings
    ['epochs: 0', 'c.yaml:3:1: epochs: must be at least 1 (got 0)'],
    ['optimizer: {lr: 0}', 'c.yaml:3:13: optimizer.lr: must be more than 0 (got 0)'],
    ['lora: {dropout: 1}', 'c.yaml:3:8: lora.dropout: must be less than 1 (got 1)'],
    ['seed: 1.0e+300', 'c.yaml:3:1: seed: must be at most 2^53 − 1 (got 1.0e+300)'],
    ['optimizer: {betas: [0.9, 0.9, 0.9]}', 'c.yaml:3:13: optimizer.betas: must list at most 2 items (got 3)'],
    ['lora: {target_modules: []}', 'c.yaml:3:8: lora.target_modules: must list at least 1 item (got 0)'],
    ['output_dir: ""', 'c.yaml:3:1: output_dir: must not be empty'],
    // not an integer
    ['batch_size: 2.5', 'c.yaml:3:1: batch_size: must be a whole number (got 2.5)'],
    // the wrong type
    ['grad_accum: four', 'c.yaml:3:1: grad_accum: must be a number (got the string "four")'],
    ['packing: 1', 'c.yaml:3:1: packing: must be true or false (got 1) (write true or false: YAML reads 1 as a number)'],
    ['lora: {use_dora: 0.0}', 'c.yaml:3:8: lora.use_dora: must be true or false (got 0.0) (write true or false: YAML reads 0.0 as a number)'],
    ['eval: [1]', 'c.yaml:3:1: eval: must be a mapping of keys to values (got a list of 1)'],
    // not one of the values taken
    ['task: regression', 'c.yaml:3:1: task: must be one of generation, classification (got "regression")'],
    ['model: {config: c.json, init: zeros}', 'c.yaml:3:25: model.init: must be random (got "zeros")'],
    // an unknown key
    ['lora: {rank: 4}', 'c.yaml:3:8: unknown key "lora.rank" (did you mean "lora.r"? write r: 4 under lora:)'],
  ];
  for (const [line, expected] of cases) assert.equal(refusal(line), expected);
  // none of the forms a key takes, a value a refinement refuses: the value given too, as written
  assert.equal(refusal('model: 5.0'), 'c.yaml:3:1: model: must be a model folder path, or {config: CONFIG, init: random} (got 5.0)');
  assert.equal(refusal('schedule: {warmup_steps: 1.50}'), "c.yaml:3:12: schedule.warmup_steps: must be a whole number of steps below 2^53, or a fraction of the run's steps below 1 (got 1.50)");
  // a key path written as one key (the flags' way): was "unknown key "lora.r" (did you mean "lora"?)" at no line
  assert.equal(refusal('lora.r: 4'), 'c.yaml:3:1: unknown key "lora.r": YAML reads a dotted key as one key, not a path (a flag, --lora.r, reads it so): nest it, lora: {r: …}');
  assert.equal(refusal('lora: {target_modules.0: q_proj}'), 'c.yaml:3:8: unknown key "lora.target_modules.0" (did you mean "lora.target_modules"?)');
  // several data files for one split: one file is read, which prepare makes of several
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: [a.jsonl, b.jsonl]}\n')), /c\.yaml:2:8: data\.train: must be a string \(got a list of 2\) \(one file: mistral-tune prepare --input a\.jsonl b\.jsonl … --out DIR merges them, its DIR\/train\.jsonl is data\.train\)$/);
  assert.throws(() => loadTrainConfig(file('model: m\ndata: {train: t, val: [a.jsonl, b.jsonl]}\n')), /\(one file: mistral-tune prepare --val a\.jsonl --val b\.jsonl … --out DIR merges them, its DIR\/val\.jsonl is data\.val\)$/);
  // a section of another tool's config (axolotl's, a wrapper's) around keys that are top-level here
  assert.equal(refusal('training: {epochs: 3, batch_size: 4}'), 'c.yaml:3:1: unknown key "training": its keys epochs, batch_size are top-level keys here: write them without "training:"');
  // a required key of several forms left out is said to be missing, as the others are (its error gave the forms alone)
  assert.throws(() => loadTrainConfig(file('data: {train: t}\n')), /^UserError: .*c\.yaml: model: missing \(HF model folder .*, or \{config, init: random\} for random weights\)$/);
  // no trace of zod's wording in any of them
  for (const [line] of cases) assert.doesNotMatch(refusal(line), /Too (small|big)|Invalid (input|option)|expected .*, received|>=|<=/);
});

test('the value refused is quoted as it was written, not as the number YAML made of it', () => {
  // were "(got -0.001)", "(got 2.5)", "(got 0)": a user searching the file for what was said found nothing
  assert.equal(refusal('optimizer: {lr: -1e-3}'), 'c.yaml:3:13: optimizer.lr: must be more than 0 (got -1e-3)');
  assert.equal(refusal('batch_size: 2.50'), 'c.yaml:3:1: batch_size: must be a whole number (got 2.50)');
  assert.equal(refusal('epochs: 0x0'), 'c.yaml:3:1: epochs: must be at least 1 (got 0x0)');
  assert.equal(refusal('model: {config: c.json, init: random, seed: -1.0}'), 'c.yaml:3:39: model.seed: must be at least 0 (got -1.0)');
  // a flag's value as it was typed, the file's keys as written there
  const f = file('model: m\ndata: {train: t}\nepochs: 0\n');
  assert.throws(() => loadTrainConfig(f, [['optimizer.lr', '-1e-3']]), (e: Error) => e.message.startsWith('--optimizer.lr: must be more than 0 (got -1e-3)') && e.message.includes(`${f}:3:1: epochs: must be at least 1 (got 0)`));
  assert.throws(() => loadTrainConfig(f, [['optimizer', '{lr: -1E-3}']]), /^UserError: --optimizer: lr: must be more than 0 \(got -1E-3\)/);
  // a number past the float range is the infinity YAML made of it: said so, not as though .inf were written
  assert.equal(refusal('optimizer: {lr: 1e400}'), 'c.yaml:3:13: optimizer.lr: must be a number (got 1e400) (YAML reads 1e400 as .inf, no value for it: write a finite number)');
  assert.equal(refusal('optimizer: {lr: .inf}'), "c.yaml:3:13: optimizer.lr: must be a number (got .inf) (YAML's .inf is no value for it: write a finite number)");
  // digit groups with commas are a string to YAML, as with underscores
  assert.equal(refusal('max_seq_len: 4,096'), 'c.yaml:3:1: max_seq_len: must be a number (got the string "4,096") (write 4096: YAML reads "4,096" as a string)');
  // a decimal comma: the decimal point to write (was "must be a number (got the string \"0,5\")" alone)
  assert.equal(refusal('grad_clip: 0,5'), 'c.yaml:3:1: grad_clip: must be a number (got the string "0,5") (write 0.5: YAML reads a number\'s decimal comma as text, so "0,5" is a string)');
  assert.equal(refusal('optimizer:\n  lr: 2,0e-4'), 'c.yaml:4:3: optimizer.lr: must be a number (got the string "2,0e-4") (write 2.0e-4: YAML reads a number\'s decimal comma as text, so "2,0e-4" is a string)');
  // strings and what is not a number or boolean are said as before
  assert.equal(refusal('grad_accum: "4"'), 'c.yaml:3:1: grad_accum: must be a number (got the string "4") (write it without quotes: YAML reads "4" as a string)');
});

test('a lora.target_modules entry that names no projection says what was likely meant', () => {
  const list = 'q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj';
  const cases: Array<[string, string]> = [
    ['lora: {target_modules: [Q_PROJ]}', `c.yaml:3:25: lora.target_modules.0: must be one of ${list} (got "Q_PROJ") (did you mean q_proj?)`],
    // PEFT takes a module's full name; every layer's projection is adapted here
    ['lora: {target_modules: [v_proj, model.layers.0.self_attn.q_proj]}',
      `c.yaml:3:33: lora.target_modules.1: must be one of ${list} (got "model.layers.0.self_attn.q_proj") (every layer's q_proj is adapted: write q_proj)`],
    ['lora: {target_modules: [lm_head]}',
      `c.yaml:3:25: lora.target_modules.0: must be one of ${list} (got "lm_head") (only the projections of each decoder layer are adapted)`],
    ['lora: {target_modules: [qproj]}', `c.yaml:3:25: lora.target_modules.0: must be one of ${list} (got "qproj") (did you mean q_proj?)`],
    ['lora: {target_modules: all_linear}', 'c.yaml:3:8: lora.target_modules: a list of projections, or "all-linear", not the string "all_linear": write all-linear'],
    ['lora: {target_modules: ALL-LINEAR}', 'c.yaml:3:8: lora.target_modules: a list of projections, or "all-linear", not the string "ALL-LINEAR": write all-linear'],
  ];
  for (const [line, expected] of cases) assert.equal(refusal(line), expected);
});

test('the texts the values were written as are gathered for a config of any size (a 10 MB config of 200,000 class names overflowed the stack)', () => {
  const labels = Array.from({ length: 200_000 }, () => 1);
  const texts = writtenTexts({ labels, seed: 3 }, (key) => (key === 'seed' ? '3' : '1.0'));
  assert.equal(Object.keys(texts).length, 200_000);
  assert.equal(texts['labels.199999'], '1.0');
  assert.equal(texts.seed, undefined);
});
