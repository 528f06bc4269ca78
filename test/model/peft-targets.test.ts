// target_modules / exclude_modules as a regex, and rank_pattern's keys, from adapter_config.json: matched as PEFT
// does, and a pattern that backtracks exponentially ("(.*)*Z") is stopped at a deadline with a one-line error naming
// the file and key, instead of hanging eval (each CLI run through main() in this process, in-process-cli.ts: the same
// exit status and stderr without a process's ~1 CPU-s of start-up; bounded by its test's timeout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { targetedModules } from '../../src/model/peft-targets.ts';
import { rankPatterns } from '../../src/model/peft-patterns.ts';
import { createBackend, loadAdapter, loadModel, loadTrainConfig, UserError } from '../../src/index.ts';
import { FIXTURES, TINY, TINY_BASE, literal } from '../helpers.ts';
import { cliIn } from '../cli/in-process-cli.ts';
import { tempDir } from '../temp-dir.ts';

const DATA = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');
const dir = tempDir('mt-peft-targets-');
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a regex selects the modules whose whole name it matches', () => {
  const sel = targetedModules({ target_modules: String.raw`.*\.(q_proj|v_proj)`, exclude_modules: String.raw`model\.layers\.0\..*` }, 2, 'a.json');
  assert.deepEqual(sel.layers.map((s) => [...s].sort()), [[], ['q_proj', 'v_proj']]);
  assert.throws(() => targetedModules({ target_modules: 'q_proj.*x' }, 2, 'a.json'), /a\.json: target_modules: "q_proj\.\*x" matches no projection/);
});

// PEFT reads layers_pattern as a regular expression before "\.N\." (re.match(rf"(?:^|.*?\.){p}\.(?P<idx>\d+)\.", name)):
// "model.layers" and "lay.rs" adapt exactly what "layers" does there (scripts/hf-check: get_peft_model), but were refused
// as "PEFT would find no layer to adapt"; "h", "ayers" and [""] find none (PEFT: "Target modules ... not found")
test('layers_pattern selects the layers PEFT finds with it; one that finds none is refused naming the key', () => {
  const layersOf = (layers_pattern: unknown): string[][] =>
    targetedModules({ target_modules: ['q_proj', 'v_proj'], layers_to_transform: [1], layers_pattern }, 2, 'a.json').layers.map((s) => [...s].sort());
  for (const p of ['layers', 'model.layers', 'lay.rs', ['h', 'layers'], ['model.layers']]) assert.deepEqual(layersOf(p), [[], ['q_proj', 'v_proj']], JSON.stringify(p));
  for (const p of ['h', 'ayers', 'model', [''], ['h', 'blocks']]) {
    assert.throws(() => layersOf(p), /^UserError: a\.json: layers_pattern: .* finds no layer index in Mistral's module names/, JSON.stringify(p));
  }
  // other regular expressions are refused, not guessed at (PEFT's "layers|h" finds none, its ".*" finds them)
  for (const p of ['layers|h', '.*', ['layers', '\\w+']]) assert.throws(() => layersOf(p), /^UserError: a\.json: layers_pattern: ".*" is a regular expression, which is not read here/, JSON.stringify(p));
  assert.throws(() => layersOf([3]), /layers_pattern: must be a string or a list of strings, got \[3\]/);
});

test('rank_pattern and alpha_pattern take the first key in the file\'s order that matches, plain names and regexes alike', () => {
  const err = (key: string, msg: string): never => {
    throw new Error(`${key}: ${msg}`);
  };
  // plain names are matched in this thread, a key with a quantifier on the worker: the same first-match rule
  const p = rankPatterns({ rank_pattern: { q_proj: 8, 'model.layers.0.self_attn.q_proj': 2, 'layers\\.1\\..*_proj': 6 }, alpha_pattern: { 'v.*': 3 } }, 4, 16, 2, err);
  assert.equal(p.patterned, true);
  assert.deepEqual([p.of(0, 'q_proj'), p.of(1, 'q_proj'), p.of(1, 'k_proj'), p.of(0, 'v_proj')], [{ r: 8, alpha: 16 }, { r: 8, alpha: 16 }, { r: 6, alpha: 16 }, { r: 4, alpha: 3 }]);
  // a key no module matches, or one that repeats r or lora_alpha, changes no module: plain LoRA (trained on as such)
  assert.equal(rankPatterns({ rank_pattern: { lm_head: 8 } }, 4, 16, 2, err).patterned, false);
  assert.equal(rankPatterns({ rank_pattern: { q_proj: 4 }, alpha_pattern: { 'v.*': 16 } }, 4, 16, 2, err).patterned, false);
  assert.equal(rankPatterns({ alpha_pattern: { 'v.*': 15 } }, 4, 16, 2, err).patterned, true);
});

// rank_pattern's keys are PEFT regexes too (re.match(rf"(.*\.)?({key})$", name)): "(.*)*Z" took minutes on one
// name of 24 characters and hung eval, generate and export on the 31 of "model.layers.0.self_attn.q_proj"
for (const [key, value] of [['target_modules', '(.*)*Z'], ['rank_pattern', { '(.*)*Z': 8 }]] as const) {
  test(`eval with an adapter whose ${key} backtracks exponentially stops at the deadline: one line naming file and key`, { timeout: 30_000 }, async () => {
    const adapter = path.join(dir, `adapter-${key}`);
    fs.cpSync(path.join(TINY, 'adapter_init'), adapter, { recursive: true });
    const cfgFile = path.join(adapter, 'adapter_config.json');
    fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgFile, 'utf8')), [key]: value }));
    const r = await cliIn(process.cwd(), ['eval', '--model', TINY_BASE, '--adapter', adapter, '--data', DATA]);
    assert.equal(r.status, 2, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, new RegExp(`^error: ${literal(cfgFile)}: ${key}: the regular expression "\\(\\.\\*\\)\\*Z" took longer than \\d+ ms`));
  });
}

// PEFT 0.21's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING has q_proj/v_proj for "mistral" and "llama", and no entry
// for "ministral": get_peft_model and PeftModel.from_pretrained raise "Please specify `target_modules` ...". An adapter
// without target_modules on a Ministral base was read as q_proj/v_proj, "PEFT's default for Mistral"
test('target_modules left out is PEFT\'s default for the base\'s model_type: q_proj and v_proj for Mistral and Llama, refused for Ministral', () => {
  for (const type of [undefined, 'llama'] as const) {
    assert.deepEqual(targetedModules({}, 2, 'a.json', type).layers.map((s) => [...s].sort()), [['q_proj', 'v_proj'], ['q_proj', 'v_proj']], String(type));
  }
  for (const c of [{}, { target_modules: null }]) {
    assert.throws(() => targetedModules(c, 2, 'a.json', 'ministral'), /^UserError: a\.json: target_modules: missing, and PEFT has no default for a base of model_type "ministral" .*Please specify `target_modules`/);
  }
  assert.deepEqual(targetedModules({ target_modules: ['q_proj'] }, 1, 'a.json', 'ministral').layers.map((s) => [...s]), [['q_proj']]);
  // loading one on a Ministral model is refused at its adapter_config.json
  const base = path.join(dir, 'ministral-base'), adapter = path.join(dir, 'no-targets');
  fs.cpSync(TINY_BASE, base, { recursive: true });
  fs.writeFileSync(path.join(base, 'config.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as object, model_type: 'ministral' }));
  fs.cpSync(path.join(TINY, 'adapter_init'), adapter, { recursive: true });
  const { target_modules: _, ...rest } = JSON.parse(fs.readFileSync(path.join(adapter, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(adapter, 'adapter_config.json'), JSON.stringify(rest));
  const model = loadModel(base, { backend: createBackend('cpu') });
  assert.throws(() => loadAdapter(model, adapter), (e: unknown) => e instanceof UserError && e.where === path.join(adapter, 'adapter_config.json') && /^target_modules: missing, and PEFT has no default for a base of model_type "ministral"/.test(e.what));
  // and so is a train config continuing it (lora.init_from), before the model loads
  const overrides: Array<[string, string]> = [['model', base], ['data.train', DATA], ['output_dir', path.join(dir, 'run')], ['lora.init_from', adapter]];
  assert.throws(() => loadTrainConfig(null, overrides), /adapter_config\.json: target_modules: missing, and PEFT has no default for a base of model_type "ministral"/);
});
