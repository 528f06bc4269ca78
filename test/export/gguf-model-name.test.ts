// The naming keys of a GGUF file (general.name, basename, size_label, finetune, version) as llama.cpp's
// convert_hf_to_gguf.py writes them for the same folder: every expected value below is what gguf-py's
// Metadata.get_model_id_components / id_to_title and utility.size_label return for it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { folderProvenance } from '../../src/export/gguf/from-source.ts';
import { apartFromLlamaCppNameRules, modelMetadata, provenanceMetadata } from '../../src/export/gguf/metadata.ts';
import { modelIdParts, sizeLabel } from '../../src/export/gguf/model-name.ts';
import type { MistralConfig } from '../../src/model/config.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const value = (m: Map<string, { value: unknown }>, key: string): unknown => m.get(key)?.value;
const naming = (m: Map<string, { value: unknown }>): Record<string, unknown> =>
  Object.fromEntries(['name', 'organization', 'basename', 'finetune', 'version', 'size_label'].map((k) => [k, value(m, `general.${k}`) ?? null]));
const cfg = { vocabSize: 32000, hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, slidingWindow: null, layerTypes: null, maxPositionEmbeddings: 256 } as MistralConfig;

test('a model id splits as gguf-py splits it: basename, size label, finetune, version', () => {
  const parts = (id: string, total: number) => Object.values(modelIdParts(id, total));
  assert.deepEqual(parts('Mistral-7B-Instruct-v0.3', 7241732096), ['Mistral 7B Instruct v0.3', null, 'Mistral', 'Instruct', 'v0.3', '7B']);
  assert.deepEqual(parts('Mixtral-8x7B-Instruct-v0.1', 46702792704), ['Mixtral 8x7B Instruct v0.1', null, 'Mixtral', 'Instruct', 'v0.1', '8x7B']);
  assert.deepEqual(parts('bloom-7b1', 7069016064), ['Bloom 7b1', null, 'bloom', null, null, '7.1B']);
  // a size far from the file's parameter count is a context length: a finetune
  assert.deepEqual(parts('Yarn-Mistral-7b-128k', 7241732096), ['Yarn Mistral 7b 128k', null, 'Yarn-Mistral', '128k', null, '7B']);
  assert.deepEqual(parts('Mistral-7B-Instruct-v0.3', 248000), ['Mistral 7B Instruct v0.3', null, 'Mistral', '7b-Instruct', 'v0.3', null]);
  assert.deepEqual(parts('Qwen3-30B-A3B', 30532122624), ['Qwen3 30B A3B', null, 'Qwen3', null, null, '30B-A3B']);
  // "lora" names no finetune of an adapter; a hub id's organisation; a name alone is too ambiguous for a basename
  assert.deepEqual(parts('mistral-7b-lora', -20000000), ['Mistral 7b Lora', null, 'mistral', null, null, '7B']);
  assert.deepEqual(parts('mistralai/Mistral-7B-Instruct-v0.2', 0), ['Mistral 7B Instruct v0.2', 'Mistralai', 'Mistral', 'Instruct', 'v0.2', '7B']);
  assert.deepEqual(parts('run1', 12345), ['Run1', null, null, null, null, null]);
});

test('the size label of a parameter count: two significant digits, Python\'s rounding of a tie (half to even)', () => {
  assert.equal(sizeLabel(7241732096), '7.2B');
  assert.equal(sizeLabel(46702792704), '47B');
  assert.equal(sizeLabel(248000), '248K');
  assert.equal(sizeLabel(12500), '12K', 'f"{12.5:.0f}" is 12; toFixed gives 13');
});

test('a model folder exported as it is carries the names convert_hf_to_gguf.py gives it', () => {
  const dir = path.join(tempDir('mt-gguf-name-'), 'Mistral-7B-Instruct-v0.3');
  fs.mkdirSync(dir);
  assert.deepEqual(naming(modelMetadata(cfg, 'f16', folderProvenance(dir, null), 7241732096)),
    { name: 'Mistral 7B Instruct v0.3', organization: null, basename: 'Mistral', finetune: 'Instruct', version: 'v0.3', size_label: '7B' });
  // config.json's hub id names it first; the folder's name fills in what the id does not say
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ _name_or_path: 'mistralai/Mistral-7B-v0.1' }));
  assert.deepEqual(naming(modelMetadata(cfg, 'f16', folderProvenance(dir, null), 7241732096)),
    { name: 'Mistral 7B v0.1', organization: 'Mistralai', basename: 'Mistral', finetune: 'Instruct', version: 'v0.1', size_label: '7B' });
  // a path on the machine that saved it is no hub id
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ _name_or_path: '/home/bob/models/Other-1B' }));
  assert.equal(value(modelMetadata(cfg, 'f16', folderProvenance(dir, null), 7241732096), 'general.name'), 'Mistral 7B Instruct v0.3');
  // a name with no size gets the parameter count's; an adapter's count is not its size
  const run = { name: 'my-run', baseModel: dir, adapter: path.join(dir, 'adapter'), run: null };
  assert.deepEqual(naming(modelMetadata(cfg, 'f16', run, 7241732096)), { name: 'My Run', organization: null, basename: null, finetune: null, version: null, size_label: '7.2B' });
  assert.equal(provenanceMetadata(run, 'a LoRA adapter', -20000000).has('general.size_label'), false);
  // a name of dashes titles to nothing: the file is named by it as it is
  assert.equal(value(provenanceMetadata({ name: '--', baseModel: null, adapter: null, run: null }, 'a model', 1e6), 'general.name'), '--');
});

test('a model folder\'s card (README.md front matter) gives the name, license, tags, languages and base models convert_hf_to_gguf.py writes', () => {
  const dir = path.join(tempDir('mt-gguf-card-'), 'my-model');
  fs.mkdirSync(dir);
  const card = (yaml: string): Map<string, { value: unknown }> => {
    fs.writeFileSync(path.join(dir, 'README.md'), `---\n${yaml}---\n# My model\n\nname: not front matter\n`);
    return modelMetadata(cfg, 'f16', folderProvenance(dir, null), 7241732096);
  };
  const keys = (m: Map<string, { value: unknown }>): Record<string, unknown> =>
    Object.fromEntries([...m].filter(([k]) => /^general\.(name|license|tags|languages|base_model)/.test(k)).map(([k, v]) => [k, v.value]));
  // expected values worked out by hand from gguf-py's metadata.py (load_model_card, apply_metadata_heuristic, set_gguf_meta_model)
  assert.deepEqual(keys(card('license: apache-2.0\nlanguage:\n- en\n- fr\n- no\ntags:\n- mistral\n- text-generation-inference\npipeline_tag: text-generation\n' +
    'base_model: mistralai/Mistral-7B-v0.1\nmodel_name: Mistral 7B Tuned\n')), {
    'general.name': 'Mistral 7B Tuned', // model_name, over the folder's "My Model"
    'general.base_model.count': 1, 'general.base_model.0.name': 'Mistral 7B v0.1', 'general.base_model.0.version': 'v0.1',
    'general.base_model.0.organization': 'Mistralai', 'general.base_model.0.repo_url': 'https://huggingface.co/mistralai/Mistral-7B-v0.1',
    'general.license': 'apache-2.0',
    'general.tags': ['mistral', 'text-generation-inference', 'text-generation'], // tags, then pipeline_tag
    'general.languages': ['en', 'fr', 'no'], // Norway's "no", a string (gguf-py quotes it before PyYAML reads it)
  });
  // name before model_name; a license list joined by ","; a base model by URL and one by mapping; a tab read as two spaces
  assert.deepEqual(keys(card('name: Custom\nmodel_name: Other\nlicense:\n- apache-2.0\n- mit\nbase_model:\n- https://huggingface.co/mistralai/Mistral-7B-v0.1\n' +
    '-\tname: Local Base\n \tauthor: me\n')), {
    'general.name': 'Custom',
    'general.base_model.count': 2, 'general.base_model.0.name': 'Mistral 7B v0.1', 'general.base_model.0.version': 'v0.1',
    'general.base_model.0.organization': 'Mistralai', 'general.base_model.0.repo_url': 'https://huggingface.co/mistralai/Mistral-7B-v0.1',
    'general.base_model.1.name': 'Local Base', 'general.base_model.1.author': 'me',
    'general.license': 'apache-2.0,mit',
  });
  // no front matter (the first line is not "---"): named by the folder, as without a card
  fs.writeFileSync(path.join(dir, 'README.md'), '# My model\n---\nlicense: mit\n---\n');
  assert.deepEqual(keys(modelMetadata(cfg, 'f16', folderProvenance(dir, null), 7241732096)), { 'general.name': 'My Model' });
  // an adapter's export is named by the adapter: the base's card is not the file's
  fs.writeFileSync(path.join(dir, 'README.md'), '---\nlicense: mit\nmodel_name: Base\n---\n');
  assert.equal(value(modelMetadata(cfg, 'f16', folderProvenance(dir, path.join(dir, 'my-adapter')), 7241732096), 'general.license'), undefined);
});

// 6 KB of "- - - …": the first card overflowed the yaml parser's stack (caught, warned), and a second in the same
// process killed node (FATAL ERROR: RegExpCompiler Allocation failed)
test('a card whose front matter nests block lists 3,000 deep is warned of and read as none, card after card', () => {
  const dir = path.join(tempDir('mt-gguf-card-'), 'my-model');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'README.md'), `---\nlicense: mit\ntags:\n  ${'- '.repeat(3000)}x\n---\n`);
  for (let i = 0; i < 2; i++) {
    const { result, stderr } = captureStderr(() => modelMetadata(cfg, 'f16', folderProvenance(dir, null), 7241732096));
    assert.equal(value(result, 'general.license'), undefined);
    assert.equal(value(result, 'general.name'), 'My Model');
    assert.match(stderr, /README\.md: its front matter nests lists or mappings more than 64 deep: the GGUF file takes no name, license or tags from it/);
  }
});

test('a card that is not UTF-8 (a Latin-1 "Modèle") is warned of and read as none, not written into the file with U+FFFD', () => {
  const dir = path.join(tempDir('mt-gguf-card-'), 'my-model');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'README.md'), Buffer.concat([Buffer.from('---\nname: Mod'), Buffer.from([0xe8]), Buffer.from('le\nlicense: mit\n---\n')]));
  const { result, stderr } = captureStderr(() => modelMetadata(cfg, 'f16', folderProvenance(dir, null), 7241732096));
  assert.equal(value(result, 'general.name'), 'My Model'); // was "Mod\uFFFDle"
  assert.equal(value(result, 'general.license'), undefined);
  assert.match(stderr, /README\.md: it is not UTF-8 text: the GGUF file takes no name, license or tags from it/);
});

test('a model folder\'s card gives author, version, organization, finetune, basename, description, size label, source and datasets as convert_hf_to_gguf.py writes them, over what the ids say', () => {
  const dir = path.join(tempDir('mt-gguf-card-'), 'my-model');
  fs.mkdirSync(dir);
  const card = (yaml: string): Record<string, unknown> => {
    fs.writeFileSync(path.join(dir, 'README.md'), `---\n${yaml}---\n`);
    const m = modelMetadata(cfg, 'f16', folderProvenance(dir, null), 7241732096);
    return Object.fromEntries([...m].filter(([k]) => /^general\.(?!architecture|type|file_type|quantization_version)/.test(k)).map(([k, v]) => [k, v.value]));
  };
  // expected values worked out by hand from gguf-py's metadata.py (apply_metadata_heuristic's use_model_card_metadata
  // order, its datasets branch, set_gguf_meta_model) and constants.py's key names
  assert.deepEqual(card('name: Custom\nauthor: null\nmodel_author: Jane\nmodel_creator: Ignored\nversion: v2.1\norganization: ACME labs\n' +
    'model_description: A tuned model\nfinetune: chat\nmodel_type: Mistral\nsize_label: 7B\nurl: https://example.com/paper\n' +
    'model_repo_url: https://github.com/acme/model\nlicense: apache-2.0\nlicense_name: my-license\nlicense_link: https://example.com/LICENSE\n' +
    'datasets:\n- HuggingFaceH4/ultrachat_200k\n- https://huggingface.co/datasets/HuggingFaceH4/no_robots\n- name: Local Data\n  author: me\n'), {
    'general.name': 'Custom',
    'general.author': 'Jane', // author null: model_author, before model_creator
    'general.version': 'v2.1', 'general.organization': 'ACME labs', 'general.finetune': 'chat',
    'general.basename': 'Mistral', // model_type
    'general.description': 'A tuned model', // over ours ("exported by mistral-tune from my-model")
    'general.size_label': '7B', // over the parameter count's 7.2B
    'general.source.url': 'https://example.com/paper', 'general.source.repo_url': 'https://github.com/acme/model',
    'general.license': 'apache-2.0', 'general.license.name': 'my-license', 'general.license.link': 'https://example.com/LICENSE',
    'general.dataset.count': 3,
    'general.dataset.0.name': 'Ultrachat_200K', // Python's str.title()
    'general.dataset.0.organization': 'HuggingFaceH4', 'general.dataset.0.repo_url': 'https://huggingface.co/HuggingFaceH4/ultrachat_200k',
    'general.dataset.1.repo_url': 'https://huggingface.co/datasets/HuggingFaceH4/no_robots', // not ORG/NAME after the host: the URL only
    'general.dataset.2.name': 'Local Data', 'general.dataset.2.author': 'me',
  });
  // model_creator when neither author key is there; the ids fill what the card leaves (the size from the count)
  const some = card('model_creator: TheBloke\ndataset: null\n');
  assert.deepEqual([some['general.author'], some['general.size_label'], some['general.dataset.count'], some['general.description']],
    ['TheBloke', '7.2B', 0, 'exported by mistral-tune from my-model']);
});


test('a card value YAML reads as a number is written as the user wrote it (version: 1.0 is "1.0", not "1"); other values as they were', () => {
  const dir = path.join(tempDir('mt-gguf-card-'), 'my-model');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'README.md'), '---\nversion: 1.0\nname: 2024\nsize_label: 7e9\nlicense: 010\nfinetune: 0x1F\ntags: [1.10, chat]\n' +
    'author: true\nmodel_author: Ignored\norganization: "2.0"\nbasename: ~\nmodel_basename: .inf\n---\n');
  const m = modelMetadata(cfg, 'f16', folderProvenance(dir, null), 7241732096);
  assert.deepEqual({ ...naming(m), author: value(m, 'general.author'), license: value(m, 'general.license'), tags: value(m, 'general.tags') }, {
    name: '2024', organization: '2.0', basename: '.inf', finetune: '0x1F', version: '1.0', size_label: '7e9',
    author: 'True', // a boolean as gguf-py writes Python's str of it
    license: '010', tags: ['1.10', 'chat'],
  });
});

test("a model's general.name that llama.cpp's vocabulary loader takes for Phi-3 (\"phi3\", \"phi-3\") or ModernBERT is written apart, with a warning; an adapter's is not", () => {
  const named = (name: string, what: 'a model' | 'a LoRA adapter' = 'a model') => captureStderr(() => value(provenanceMetadata({ name, baseModel: null, adapter: null, run: null }, what, 1e6), 'general.name'));
  const r = named('phi3-distill');
  assert.equal(r.result, 'Phi 3 Distill'); // the folder's name titled "Phi3 Distill" (gguf-py), then apart
  assert.match(r.stderr, /^warning: gguf: general\.name "Phi3 Distill" is written "Phi 3 Distill": llama\.cpp's vocabulary loader takes a model whose name contains "phi3" \(it strips the spaces after every special token and fails to load a vocabulary without <\|endoftext\|>\) for one it knows/);
  assert.equal(named('my-run').stderr, '');
  assert.equal(named('my-run').result, 'My Run');
  const card = captureStderr(() => apartFromLlamaCppNameRules('Phi-3 tune and PHI3 and modern-bert-ish')); // as a card's name comes
  assert.equal(card.result, 'Phi 3 tune and PHI 3 and modern bert-ish');
  assert.equal(card.stderr.split('\n').length, 2, 'one line');
  assert.match(card.stderr, /contains "phi-3" \(it strips[^)]*\) or "phi3" \(it strips[^)]*\) or "modern-bert" \(it strips the spaces before \[MASK\]\)/);
  assert.equal(named('Phi 3 Mini').result, 'Phi 3 Mini'); // already apart: llama.cpp reads nothing in it
  assert.equal(apartFromLlamaCppNameRules('phı3'), 'phı3'); // llama.cpp lowercases bytes: no dotless i is an i there
  assert.deepEqual(named('phi3-lora', 'a LoRA adapter'), { result: 'Phi3 Lora', stderr: '' }); // llama.cpp loads no vocabulary from an adapter
});
