// resolveEvalTarget's refusals of options that do not go together: one phrasing each, naming the flags (the CLI) or
// the options (a library call) and what to give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FLAG_WORDS, folderClassNames, givenLabels, requireOneNamePerClass, resolveEvalTarget } from '../../src/eval/target.ts';
import { TINY, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

test('--best without --run says once that it needs a run folder', () => {
  assert.throws(() => resolveEvalTarget({ model: TINY_BASE, best: true }, FLAG_WORDS),
    { message: '--best needs --run RUN_DIR: it picks the best/ weights of that training run' });
});

// A library call was told of the CLI's flags: "a model folder (--model) or a run (--run) is required".
test('a library call of resolveEvalTarget is refused in its option names, the CLI in its flags', () => {
  assert.throws(() => resolveEvalTarget({}), { name: 'UserError', message: 'resolveEvalTarget: a model folder (options.model), a run (options.run) or an adapter folder whose adapter_config.json names its base (options.adapter) is required' });
  assert.throws(() => resolveEvalTarget({}, FLAG_WORDS), { message: 'a model folder (--model), a run (--run) or an adapter folder whose adapter_config.json names its base (--adapter) is required' });
  assert.throws(() => resolveEvalTarget({ model: TINY_BASE, best: true }),
    { message: 'resolveEvalTarget: options.best needs options.run: it picks the best/ weights of that training run' });
  assert.throws(() => resolveEvalTarget({ run: 'r', model: TINY_BASE }), { message: 'resolveEvalTarget: give either a run (options.run) or a model folder (options.model, with options.adapter), not both: a run names its own model and adapter' });
  assert.throws(() => resolveEvalTarget({ run: 'r', adapter: 'a' }, FLAG_WORDS), { message: 'give either a run (--run) or a model folder (--model, with --adapter), not both: a run names its own model and adapter' });
});

// An adapter alone was told "a model folder (--model) or a run (--run) is required" (eval: "--model is required"); then
// "--adapter needs the base model it applies to, as --model" although its adapter_config.json named it. Now it is applied
// to the model folder it names (test/cli/adapter-alone.test.ts), and refused where it names none here, or has no config.
test('an adapter without its base model whose adapter_config.json names no model folder here is told to give the base, with what it names', () => {
  const dir = tempDir('mt-adapter-alone-');
  assert.throws(() => resolveEvalTarget({ adapter: dir }, FLAG_WORDS), { name: 'UserError', message: new RegExp(`^${dir}/adapter_config.json: adapter config not found`) });
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: 'mistralai/Mistral-7B-v0.1', peft_type: 'LORA' }));
  assert.throws(() => resolveEvalTarget({ adapter: dir }, FLAG_WORDS),
    { message: `${dir}: --adapter without --model: give its base model folder as --model (its adapter_config.json's base_model_name_or_path, "mistralai/Mistral-7B-v0.1", is no model folder from here)` });
  assert.throws(() => resolveEvalTarget({ adapter: dir }),
    { message: `${dir}: options.adapter without options.model: give its base model folder as options.model (its adapter_config.json's base_model_name_or_path, "mistralai/Mistral-7B-v0.1", is no model folder from here)` });
  // blank, as a missing base: the one reader of the key (util/adapter-base.ts) takes whitespace for none, as the fingerprint check did
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: ' ', peft_type: 'LORA' }));
  assert.throws(() => resolveEvalTarget({ adapter: dir }, FLAG_WORDS), { message: `${dir}: --adapter without --model: give its base model folder as --model (its adapter_config.json names none)` });
});

test('too few or too many class names for the head say how many to give (they said only that the counts differ)', () => {
  assert.throws(() => requireOneNamePerClass(['a', 'b'], 7, '--labels'),
    { name: 'UserError', message: '--labels: 2 class names for a head that scores 7 classes: give 7, one per class in index order' });
  assert.throws(() => requireOneNamePerClass(['a', 'b'], 3, 'runs/x/config.yaml: labels'),
    { name: 'UserError', message: 'runs/x/config.yaml: labels: 2 class names for a head that scores 3 classes: give --labels with 3, one per class in index order' });
  requireOneNamePerClass(['a', 'b', 'c'], 3, '--labels');
});

// TRL's SFTTrainer saves its tokenizer beside the adapter, with the chat template it trained with (SFTConfig's
// chat_template_path sets one the base has not). eval, generate and classify render chats with --model's template:
// the adapter folder's was left out without a word. Now it is said, once, naming both; nothing where they agree.
test("an adapter folder's chat template that is not the model's is said, naming both and the way to use it", () => {
  const template = "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}";
  const adapter = tempDir('mt-adapter-template-');
  for (const f of ['adapter_config.json', 'adapter_model.safetensors']) fs.copyFileSync(path.join(TINY, 'adapter_init', f), path.join(adapter, f));
  const warned = (model: string): string => captureStderr(() => resolveEvalTarget({ model, adapter }, FLAG_WORDS)).stderr;
  assert.equal(warned(TINY_BASE), '', 'an adapter folder without a template');
  fs.writeFileSync(path.join(adapter, 'chat_template.jinja'), template);
  assert.equal(warned(TINY_BASE), `warning: ${adapter}/chat_template.jinja: the adapter folder's chat template (saved with it, e.g. by TRL's SFTTrainer) is not ` +
    `the one chats are rendered with here, --model's (${TINY_BASE}: no chat template, so the default Mistral one); to use the adapter's, ` +
    'give a copy of the model folder with it as chat_template.jinja\n');
  // the way out: a copy of the model folder with that template, which then agrees
  const model = tempDir('mt-adapter-template-model-');
  for (const f of fs.readdirSync(TINY_BASE)) fs.copyFileSync(path.join(TINY_BASE, f), path.join(model, f));
  fs.writeFileSync(path.join(model, 'tokenizer_config.json'), JSON.stringify({ chat_template: template }));
  assert.equal(warned(model), '', 'the same template in both');
});

test("givenLabels: --labels A,B,… that split a head's class name at its comma is refused, naming the classes it made (eval and classify read three classes)", () => {
  assert.throws(() => givenLabels(['café', 'au lait', 'x'], ['café, au lait', 'x'], "the classes of config.json's id2label"),
    { message: `"café, au lait", one of the classes of config.json's id2label, is no class of --labels, which names its pieces "café", "au lait" as classes, one after another: ` +
      `a comma list A,B,… splits a name at its commas; give class names that hold a comma as a JSON list, --labels '["café, au lait","x"]'` });
  assert.deepEqual(givenLabels(['café, au lait', 'x'], ['café, au lait', 'x'], 'x'), ['café, au lait', 'x']);
  // a head of "a", "b" and "a, b": its own names were refused ('give … --labels '["a, b","a, b"]''); its pieces are classes of
  // the head in their own right, so a list naming them split nothing
  assert.deepEqual(givenLabels(['a', 'b', 'a, b'], ['a', 'b', 'a, b'], 'x'), ['a', 'b', 'a, b']);
  assert.deepEqual(givenLabels(['a', 'b', 'c'], ['a', 'b', 'a, b'], 'x'), ['a', 'b', 'c']);
  // train's labels (a YAML list) are never split: no such message (there, "x" at another index is a reorder)
  assert.throws(() => givenLabels(['café', 'au lait', 'x'], ['café, au lait', 'x'], 'x', 'labels'), { message: /^labels: "x" is class 1 of x/ });
});

test("givenLabels: a head's class named in another case at another index is a reorder, refused as the same name is (it was taken as a rename)", () => {
  // a Hub head of POSITIVE, NEGATIVE and data prepared to the sorted negative, positive: renaming row 0 "negative"
  // trained (and scored) the head's POSITIVE row as negative; HF's classification examples match a model's label2id to
  // the data's labels ignoring case
  const known = ['POSITIVE', 'NEGATIVE'];
  assert.throws(() => givenLabels(['negative', 'positive'], known, "the model's head", 'labels'),
    { message: /^labels: "negative" is class 1 of the model's head \(POSITIVE, NEGATIVE, in index order\), not class 0: .* give labels in that order \(labels: \["positive","negative"\]\)$/ }); // the names as the data writes them, in the head's order
  assert.throws(() => givenLabels(['Negative', 'Positive'], known, "the run's classes"), { message: /^--labels: "Negative" is class 1 of the run's classes/ });
  // the same place in another case, or new names: renames
  assert.deepEqual(givenLabels(['positive', 'negative'], known, 'x'), ['positive', 'negative']);
  assert.deepEqual(givenLabels(['pos', 'neg'], known, 'x'), ['pos', 'neg']);
  // classes that differ only in case are two classes: each matched as written first
  assert.deepEqual(givenLabels(['Pos', 'pos', 'x'], ['Pos', 'pos', 'y'], 'x'), ['Pos', 'pos', 'x']);
  assert.throws(() => givenLabels(['pos', 'Pos', 'y'], ['Pos', 'pos', 'y'], 'x'), { message: /^--labels: "pos" is class 1 of x/ });
});

test("givenLabels: train's way out lists a renamed class under its new name, so that the list pasted trains on the same data", () => {
  // labels [neg, pos, other] (a prepare report's sorted names) on a head of pos, neg, neutral: "other" renames neutral at
  // its own place; the way out named neutral there, a class the data does not hold (pasted, train refused its labels)
  assert.throws(() => givenLabels(['neg', 'pos', 'other'], ['pos', 'neg', 'neutral'], "the model's head", 'labels'),
    { message: /give labels in that order \(labels: \["pos","neg","other"\]\)$/ });
  // a new name at a place whose class is named elsewhere: it names the class left over
  assert.throws(() => givenLabels(['b', 'x', 'a'], ['a', 'b', 'c'], "the model's head", 'labels'),
    { message: /give labels in that order \(labels: \["a","b","x"\]\)$/ });
});

// An adapter folder's config.json is read as the model's is (util/config-json.ts: as transformers reads it): a NaN in a
// key the labels do not use was "invalid JSON (Unexpected token 'N', …)" here, where transformers loads the folder.
test("an adapter folder's config.json with Python's NaN or a tagged float gives its id2label, as the model's config.json would", () => {
  for (const more of ['"my_key": NaN', '"my_key": {"__float__": "Infinity"}']) {
    const adapter = tempDir('mt-adapter-nan-');
    fs.writeFileSync(path.join(adapter, 'config.json'), `{"id2label": {"0": "neg", "1": "pos"}, ${more}}`);
    assert.deepEqual(folderClassNames(TINY_BASE, null, adapter)?.names, ['neg', 'pos'], more);
  }
});
