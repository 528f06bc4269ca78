// `export --adapter DIR` of an HF PEFT adapter without --model: its base is the model folder its adapter_config.json's
// base_model_name_or_path names (as AutoPeftModelForCausalLM loads it), where there is one from here; before, it was
// refused ("give exactly one of --run or --model"), though the adapter said which base it was made over.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportCommand } from '../../src/cli/export-thread.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const dir = tempDir('mt-adapter-base-');
const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A copy of the fixture's HF adapter whose adapter_config.json names `base` as PEFT writes it. */
function adapterNaming(name: string, base: string | null): string {
  const adapter = path.join(dir, name);
  fs.cpSync(path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_step1'), adapter, { recursive: true });
  const file = path.join(adapter, 'adapter_config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), base_model_name_or_path: base }, null, 2));
  return adapter;
}

test('export --format gguf-lora --adapter DIR without --model: over the base its adapter_config.json names, the same file as with that --model', () => {
  const adapter = adapterNaming('adapter', TINY_BASE);
  const { stderr } = captureStderr(() => {
    exportCommand({ adapter, out: path.join(dir, 'named.gguf'), format: 'gguf-lora' });
    exportCommand({ model: TINY_BASE, adapter, out: path.join(dir, 'given.gguf'), format: 'gguf-lora' });
  });
  assert.match(stderr, new RegExp(`^base model: ${TINY_BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.*adapter_config\\.json's base_model_name_or_path\\)$`, 'm'));
  assert.ok(fs.readFileSync(path.join(dir, 'named.gguf')).equals(fs.readFileSync(path.join(dir, 'given.gguf'))));
});

test('export --adapter DIR without --model whose adapter_config.json names a Hub id, or no base: refused in one line saying what it names, nothing written', () => {
  for (const [name, base, why] of [['hub', 'mistralai/Mistral-7B-v0.1', /base_model_name_or_path, "mistralai\/Mistral-7B-v0\.1", is no model folder from here/], ['none', null, /its adapter_config\.json names none/]] as const) {
    const adapter = adapterNaming(name, base);
    const out = path.join(dir, `${name}.gguf`);
    assert.throws(() => exportCommand({ adapter, out, format: 'gguf-lora' }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, new RegExp(`^${adapter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: --adapter without --model: give its base model folder as --model \\(`));
      assert.match(e.message, why);
      return true;
    });
    assert.equal(fs.existsSync(out), false);
  }
});

test('export --adapter DIR without --model where DIR is missing, or a run folder: refused as with --model (what DIR is), not as a base to give', () => {
  const missing = path.join(dir, 'no-such-adapter');
  assert.throws(() => exportCommand({ adapter: missing, out: path.join(dir, 'missing.gguf'), format: 'gguf' }),
    (e: Error) => e.name === 'UserError' && e.message === `${missing}: adapter folder not found`);
  const run = path.join(dir, 'run');
  fs.cpSync(path.join(FIXTURES, 'hf-tiny-mistral', 'adapter_step1'), path.join(run, 'adapter'), { recursive: true });
  assert.throws(() => exportCommand({ adapter: run, out: path.join(dir, 'run.gguf'), format: 'gguf' }),
    (e: Error) => e.name === 'UserError' && /adapter config not found .*this is a training run's folder, whose adapter is /.test(e.message));
});

// the adapter's shapes are checked against the base's config.json as the plan reads the adapter (before a backend, and
// before gguf-lora's own check): that check named no base folder, where the later one had
test('export --format gguf-lora or gguf over a base of other shapes (named by adapter_config.json, or --model): the shape error names that base folder', () => {
  const other = path.join(dir, 'other-base');
  fs.mkdirSync(other);
  const config = JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(other, 'config.json'), JSON.stringify({ ...config, hidden_size: 48, head_dim: 12 }));
  fs.copyFileSync(path.join(TINY_BASE, 'model.safetensors'), path.join(other, 'model.safetensors')); // a folder --format gguf plans from
  const adapter = adapterNaming('over-other', other);
  for (const [given, format] of [[{}, 'gguf-lora'], [{ model: other }, 'gguf-lora'], [{}, 'gguf'], [{ model: other }, 'gguf']] as const) {
    const out = path.join(dir, 'over-other.gguf');
    assert.throws(() => captureStderr(() => exportCommand({ ...given, adapter, out, format })), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, new RegExp(`^${escaped(path.join(adapter, 'adapter_model.safetensors'))}: tensor "[^"]+" has shape \\[\\d+, \\d+\\], expected \\[\\d+, \\d+\\] from the base model at ${escaped(other)}$`));
      return true;
    });
    assert.equal(fs.existsSync(out), false);
  }
});

// TRL's SFTTrainer saves its tokenizer, with the chat template it trained with, beside the adapter; the export writes
// --model's tokenizer files: the adapter's template was left out without a word (src/tokenizer/adapter-template.ts).
test("export --merge of an adapter folder with a chat template that is not the model's says so", () => {
  const adapter = adapterNaming('templated', TINY_BASE);
  fs.writeFileSync(path.join(adapter, 'chat_template.jinja'), "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}");
  const { stderr } = captureStderr(() => exportCommand({ model: TINY_BASE, adapter, out: path.join(dir, 'merged'), merge: true }));
  assert.ok(stderr.includes(`warning: ${adapter}/chat_template.jinja: the adapter folder's chat template (saved with it, e.g. by TRL's SFTTrainer) ` +
    `is not the one the export writes, --model's (${TINY_BASE}: no chat template, so the default Mistral one)`), stderr);
});
