// The tokenizer section of a GGUF export, read without llama.cpp (gguf-llama-*.test.ts run llama.cpp on the files):
// scores follow tokenizer.json's merge ranks and a token no merge makes scores below all of them (llama.cpp merges
// by score alone, whatever a token's type); stop ids beyond the EOS (generate's: generation_config.json's, else config.json's) become the
// end-of-turn and end-of-message tokens; the pad id is tokenizer_config.json's, else config.json's;
// BOS is added only when there is one and the tokenizer adds it; the provenance names folders, not the exporter's paths;
// a byte-level BPE tokenizer gets the llama.cpp pre-tokenizer its Split regex is, or is refused; named chat templates; a
// SentencePiece pipeline step llama.cpp does not run (a Replace other than " " → "▁", Metaspace split) is warned of, and so
// are the tokens llama.cpp's SentencePiece tokenizer can join from a pair no merge lists.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { folderProvenance, planGgufSource } from '../../src/export/gguf/from-source.ts';
import { modelMetadata, provenanceMetadata } from '../../src/export/gguf/metadata.ts';
import { modelTokenizer, tokenizerMetadata } from '../../src/export/gguf/tokenizer.ts';
import { warnTextStops } from '../../src/export/gguf/text-stops.ts';
import { TOKEN_TYPE } from '../../src/export/gguf/tokenizer-table.ts';
import { KNOWN_PRE } from '../../src/tokenizer/known-pre-tokenizers.ts';
import type { MistralConfig } from '../../src/model/config.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { readFolderTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { UserError } from '../../src/util/errors.ts';
import { beginCommand, setQuiet } from '../../src/util/log.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { cutTokenizer } from './gguf-models.ts';
import { tempDir } from '../temp-dir.ts';

const value = (m: Map<string, { value: unknown }>, key: string): unknown => m.get(key)?.value;
/** `dir` made a Mistral model folder (config.json's model_type), whose tokenizer.json transformers runs as it is. */
const mistralFolder = (dir: string): void => fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'mistral' }));

test('scores: minus the merge rank; tokens no merge makes (control, user-defined, unused rows) below every merge', () => {
  const m = captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32002)).result;
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number>; merges: unknown[] } };
  const scores = value(m, 'tokenizer.ggml.scores') as Float32Array, tokens = value(m, 'tokenizer.ggml.tokens') as string[];
  const lowest = -(json.model.merges.length + 1);
  assert.equal(scores[json.model.vocab['▁t']!], 0, 'the first merge');
  assert.ok(scores[json.model.vocab['▁the']!]! < 0 && scores[json.model.vocab['▁the']!]! > lowest);
  for (const id of [0, 1, 2, 32000, 32001]) assert.equal(scores[id], lowest, `${tokens[id]} (id ${id})`);
  assert.equal(scores[json.model.vocab['a']!], 0, 'a single character is never a merge\'s result: its score is not read');
  assert.equal(tokens[32001], '[PAD32001]');
  assert.equal(value(m, 'tokenizer.ggml.add_space_prefix'), true, 'the legacy Prepend("▁") normalizer');
});

test('add_bos_token false before a "<s> $A" post-processor: the GGUF says add_bos_token true, as training added it, and the warning of loadTokenizer is said once in a command that does both', () => {
  const dir = tempDir('mt-gguf-tok-');
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  const config = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, add_bos_token: false }));
  mistralFolder(dir); // tokenizer.json run as it is, not the LlamaTokenizer its config names (llama-class.ts)
  beginCommand();
  const { result: m, stderr } = captureStderr(() => tokenizerMetadata(dir, 32000));
  assert.equal(value(m, 'tokenizer.ggml.add_bos_token'), true);
  assert.match(stderr, /^warning: \S*tokenizer_config\.json: add_bos_token is false, but the tokenizer adds BOS before a text: .*edit post_processor in \S*tokenizer\.json\n$/);
  setQuiet(true);
  try {
    assert.equal(captureStderr(() => loadTokenizer(dir)).stderr, '', 'said once per command');
  } finally {
    setQuiet(false);
  }
});

test('tokenizer_class LlamaTokenizer(Fast) outside a Mistral model folder: the GGUF runs the pipeline transformers 5.17 builds for that class, as training does (add_prefix_space false: no space prefix, as convert_hf_to_gguf.py writes it), not tokenizer.json\'s', () => {
  const folder = (tokenizerClass: string, modelType: string | null): string => {
    const dir = tempDir('mt-gguf-llama-class-');
    fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    const config = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, tokenizer_class: tokenizerClass, add_prefix_space: false }));
    if (modelType !== null) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: modelType, vocab_size: 32000 }));
    return dir;
  };
  // transformers 5.17 (AutoTokenizer, after BOS): "Hello" is 16230 ("Hello", no "▁") as LlamaTokenizer, 22557 ("▁Hello") in a mistral folder
  for (const [cls, type, prefixed] of [['LlamaTokenizer', 'llama', false], ['LlamaTokenizerFast', null, false], ['LlamaTokenizer', 'mistral', true]] as const) {
    const dir = folder(cls, type);
    const trained = captureStderr(() => loadTokenizer(dir)).result.encode('Hello');
    assert.deepEqual(trained, prefixed ? [22557] : [16230], `${cls}, model_type ${type}: training's ids`);
    const m = captureStderr(() => tokenizerMetadata(dir, 32000)).result;
    assert.equal(value(m, 'tokenizer.ggml.add_space_prefix'), prefixed, `${cls}, model_type ${type}`);
  }
});

test('a second stop id of config.json is the end-of-turn token; add_bos_token where training puts the GGUF\'s BOS before a text', () => {
  const m = captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000, [2, 7])).result;
  assert.equal(value(m, 'tokenizer.ggml.eos_token_id'), 2);
  assert.equal(value(m, 'tokenizer.ggml.eot_token_id'), 7);
  assert.equal(value(m, 'tokenizer.ggml.add_bos_token'), true);
  assert.equal(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000, [2])).result.has('tokenizer.ggml.eot_token_id'), false);
  const dir = tempDir('mt-gguf-tok-');
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ add_bos_token: true, bos_token: null, eos_token: '</s>' }));
  const noBos = captureStderr(() => tokenizerMetadata(dir, 32000)).result;
  // the id convert_hf_to_gguf.py writes (the post-processor's leading <s>: special-ids.ts), added: training put the
  // post-processor's id 1 before each text with no BOS token named, as transformers does (adds-special.test)
  assert.equal(value(noBos, 'tokenizer.ggml.bos_token_id'), 1);
  assert.equal(value(noBos, 'tokenizer.ggml.add_bos_token'), true);
  // the rule training uses (adds-special.ts): a generic tokenizer class without a post-processor adds no BOS
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ ...json, post_processor: null }));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>' }));
  const generic = captureStderr(() => tokenizerMetadata(dir, 32000)).result;
  assert.equal(value(generic, 'tokenizer.ggml.bos_token_id'), 1);
  assert.equal(value(generic, 'tokenizer.ggml.add_bos_token'), false);
});

test("the pad id: tokenizer_config.json's pad token, else config.json's pad_token_id, as gguf-py's SpecialVocab (convert_hf_to_gguf.py)", () => {
  const dir = tempDir('mt-gguf-tok-');
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  const bundled = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const padToken = (token: string | null): void => fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...bundled, pad_token: token }));
  const pad = (padTokenId: number | null): unknown => value(captureStderr(() => modelTokenizer({ cfg: { vocabSize: 32000, bosTokenId: 1, eosTokenIds: [2], eosTokenIdIsList: false, padTokenId } }, dir)).result, 'tokenizer.ggml.padding_token_id');
  // (SpecialVocab of such folders, gguf-py of llama.cpp's tree in node-llama-cpp's bundle: pad 0, none, 2, 0)
  padToken(null); // as Mistral 7B's: no pad token
  assert.equal(pad(0), 0);
  assert.equal(pad(null), undefined);
  padToken('</s>'); // the tokenizer's own comes first
  assert.equal(pad(0), 2);
  padToken('<pad>'); // one the vocabulary lacks: config.json's
  assert.equal(pad(0), 0);
});

test('generation_config.json\'s stop ids, as generate stops at them: one beyond the EOS is the end-of-turn token, a second the end-of-message one, more are warned of', () => {
  const dir = tempDir('mt-gguf-tok-');
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, f), path.join(dir, f));
  const gen = (eos: unknown): void => fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: eos }));
  const model = { cfg: { vocabSize: 32000, bosTokenId: 1, eosTokenIds: [2], eosTokenIdIsList: false, padTokenId: null } };
  gen([2, 7]); // a chat model's end-of-turn token, which config.json does not name
  assert.equal(value(captureStderr(() => modelTokenizer(model, dir)).result, 'tokenizer.ggml.eot_token_id'), 7);
  gen([2, 7, 9]);
  const two = captureStderr(() => modelTokenizer(model, dir)).result;
  assert.deepEqual([value(two, 'tokenizer.ggml.eot_token_id'), value(two, 'tokenizer.ggml.eom_token_id')], [7, 9]);
  gen([2, 7, 9, 11]);
  assert.match(captureStderr(() => modelTokenizer(model, dir)).stderr, /gguf: generation stops at token 11 here.*llama\.cpp/);
});

test("config.json's eos_token_id beside a generation_config.json is no stop id, as generate (and HF's generate()) does not stop there; without the file it is", () => {
  const dir = tempDir('mt-gguf-tok-');
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ eos_token_id: [2, 727] }));
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: 2 }));
  const model = { cfg: { vocabSize: 32000, bosTokenId: 1, eosTokenIds: [2, 727], eosTokenIdIsList: true, padTokenId: null } };
  // before: 727 the end-of-turn token, so llama.cpp stopped where generate and HF's generate() run on
  assert.equal(value(captureStderr(() => modelTokenizer(model, dir)).result, 'tokenizer.ggml.eot_token_id'), undefined);
  fs.rmSync(path.join(dir, 'generation_config.json')); // then config.json's, as HF's from_pretrained takes it
  assert.equal(value(captureStderr(() => modelTokenizer(model, dir)).result, 'tokenizer.ggml.eot_token_id'), 727);
});

test('provenance of --model BASE --adapter RUN/adapter (no --run): the adapter named by its run, as --run RUN names it', () => {
  const cfg = { vocabSize: 32000, hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, slidingWindow: null, layerTypes: null, maxPositionEmbeddings: 256 } as MistralConfig;
  const root = tempDir('mt-adapter-of-run-'), run = path.join(root, 'r1');
  for (const d of ['adapter', 'best', 'checkpoints/step-0000040']) fs.mkdirSync(path.join(run, d), { recursive: true });
  fs.writeFileSync(path.join(run, '.mistral-tune-run'), '');
  const base = '/home/alice/models/Mistral-7B-v0.1';
  const merged = (adapter: string): unknown[] => {
    const m = modelMetadata(cfg, 'f16', folderProvenance(base, adapter), 7e9);
    return [value(m, 'general.name'), value(m, 'general.description'), value(m, 'general.base_model.0.description')];
  };
  assert.deepEqual(merged(path.join(run, 'adapter')), ['R1', 'merged by mistral-tune from Mistral-7B-v0.1 + its adapter (run r1)', 'fine-tuned with its LoRA adapter, merged']);
  assert.deepEqual(merged(path.join(run, 'best')), ['R1', 'merged by mistral-tune from Mistral-7B-v0.1 + its best adapter (run r1)', 'fine-tuned with its best LoRA adapter, merged']);
  assert.deepEqual(merged(path.join(run, 'checkpoints', 'step-0000040')),
    ['R1', 'merged by mistral-tune from Mistral-7B-v0.1 + adapter step-0000040 (run r1)', 'fine-tuned with the LoRA adapter step-0000040, merged']);
  assert.equal(value(provenanceMetadata(folderProvenance(base, path.join(run, 'adapter')), 'a LoRA adapter', -1e6), 'general.description'),
    'its LoRA adapter for Mistral-7B-v0.1, exported by mistral-tune (run r1)');
  // a folder named adapter outside a run: named by the folder that holds it, not "its adapter" of no run
  const own = path.join(root, 'my-lora', 'adapter');
  fs.mkdirSync(own, { recursive: true });
  assert.deepEqual(merged(own), ['My Lora', 'merged by mistral-tune from Mistral-7B-v0.1 + adapter my-lora', 'fine-tuned with the LoRA adapter my-lora, merged']);
});

test('provenance of a full fine-tuning run\'s best/ (--best): its description says its best weights', () => {
  const cfg = { vocabSize: 32000, hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, slidingWindow: null, layerTypes: null, maxPositionEmbeddings: 256 } as MistralConfig;
  const from = { name: 'run2', baseModel: '/home/alice/models/Mistral-7B-v0.1', adapter: null, run: '/home/alice/runs/run2' };
  assert.equal(value(modelMetadata(cfg, 'f16', { ...from, best: true }, 7e9), 'general.description'), 'fine-tuned by mistral-tune from Mistral-7B-v0.1 (run run2, its best weights)');
  assert.equal(value(modelMetadata(cfg, 'f16', { ...from, baseModel: null, best: true }, 7e9), 'general.description'), 'trained by mistral-tune from random weights (run run2, its best weights)');
  assert.equal(value(modelMetadata(cfg, 'f16', from, 7e9), 'general.description'), 'fine-tuned by mistral-tune from Mistral-7B-v0.1 (run run2)');
  // the plan of --run RUN --best of a full fine-tuning run carries it
  const root = tempDir('mt-full-best-'), run = path.join(root, 'run2');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, '.mistral-tune-run'), '');
  fs.writeFileSync(path.join(root, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  fs.writeFileSync(path.join(run, 'config.yaml'), `output_dir: ${JSON.stringify(run)}\nmodel: ${JSON.stringify(TINY_BASE)}\nmethod: full\ndata: {train: ${JSON.stringify(path.join(root, 'train.jsonl'))}}\n`);
  for (const d of ['model', 'best']) {
    fs.cpSync(TINY_BASE, path.join(run, d), { recursive: true });
    cutTokenizer(path.join(run, d), 512); // (the plan builds the tokenizer section, which the bundled one does not fit)
  }
  const plan = captureStderr(() => planGgufSource({ run, best: true })).result;
  assert.equal(value(provenanceMetadata(plan.from, 'a model', 7e9), 'general.description'), `fine-tuned by mistral-tune from ${path.basename(TINY_BASE)} (run run2, its best weights)`);
  const last = captureStderr(() => planGgufSource({ run, best: false })).result;
  assert.equal(value(provenanceMetadata(last.from, 'a model', 7e9), 'general.description'), `fine-tuned by mistral-tune from ${path.basename(TINY_BASE)} (run run2)`);
});

test('provenance: the base, adapter and run by folder name, never the exporter\'s paths', () => {
  const cfg = { vocabSize: 32000, hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null, slidingWindow: null, layerTypes: null, maxPositionEmbeddings: 256 } as MistralConfig;
  const m = modelMetadata(cfg, 'f16', { name: 'run1', baseModel: '/home/alice/models/Mistral-7B-v0.1', adapter: '/home/alice/runs/run1/adapter', run: '/home/alice/runs/run1' }, 7e9);
  assert.equal(value(m, 'general.base_model.0.name'), 'Mistral 7B v0.1');
  assert.equal(value(m, 'general.description'), 'merged by mistral-tune from Mistral-7B-v0.1 + its adapter (run run1)');
  // the base model's description and the adapter file's name the run's adapter/ as its own too (they said "adapter adapter"),
  // its best/ as its best adapter, and a folder given by its name
  assert.equal(value(m, 'general.base_model.0.description'), 'fine-tuned with its LoRA adapter, merged');
  const run = { name: 'run1', baseModel: '/home/alice/models/Mistral-7B-v0.1', run: '/home/alice/runs/run1' };
  const adapterFile = (adapter: string): unknown => value(provenanceMetadata({ ...run, adapter }, 'a LoRA adapter', -1e6), 'general.description');
  assert.equal(adapterFile('/home/alice/runs/run1/adapter'), 'its LoRA adapter for Mistral-7B-v0.1, exported by mistral-tune (run run1)');
  assert.equal(adapterFile('/home/alice/runs/run1/best'), 'its best LoRA adapter for Mistral-7B-v0.1, exported by mistral-tune (run run1)');
  const best = modelMetadata(cfg, 'f16', { ...run, adapter: '/home/alice/runs/run1/best' }, 7e9);
  assert.deepEqual([value(best, 'general.description'), value(best, 'general.base_model.0.description')],
    ['merged by mistral-tune from Mistral-7B-v0.1 + its best adapter (run run1)', 'fine-tuned with its best LoRA adapter, merged']);
  const given = folderProvenance('/home/alice/models/Mistral-7B-v0.1', '/home/alice/loras/best');
  assert.equal(value(modelMetadata(cfg, 'f16', given, 7e9), 'general.base_model.0.description'), 'fine-tuned with the LoRA adapter best, merged');
  assert.equal(value(provenanceMetadata(given, 'a LoRA adapter', -1e6), 'general.description'), 'LoRA adapter best for Mistral-7B-v0.1, exported by mistral-tune');
  for (const [k, v] of m) assert.ok(!JSON.stringify(v.value).includes('/home/alice'), k);
  // a model folder exported as it is has no base model: it named itself as its own (general.base_model.0.name) and
  // said it was merged; llama.cpp's convert_hf_to_gguf.py writes base models only from a model card's base_model
  const plain = modelMetadata(cfg, 'f16', folderProvenance('/home/alice/models/Mistral-7B-v0.1', null), 7e9);
  assert.equal(value(plain, 'general.name'), 'Mistral 7B v0.1', 'as convert_hf_to_gguf.py names it (gguf-model-name.test.ts)');
  assert.deepEqual([...plain.keys()].filter((k) => k.startsWith('general.base_model')), []);
  assert.equal(value(plain, 'general.description'), 'exported by mistral-tune from Mistral-7B-v0.1');
  // a snapshot of the HF hub's cache is named by its model, not by its commit hash (the folder's name)
  const snapshot = '/home/alice/.cache/huggingface/hub/models--mistralai--Mistral-7B-v0.1/snapshots/7231864981174d9bee8c7687c24c8344414eae6b';
  assert.equal(value(modelMetadata(cfg, 'f16', folderProvenance(snapshot, null), 7e9), 'general.name'), 'Mistral 7B v0.1');
  assert.equal(value(modelMetadata(cfg, 'f16', folderProvenance(snapshot, '/home/alice/ad'), 7e9), 'general.base_model.0.name'), 'Mistral 7B v0.1');
  // a fully fine-tuned run: fine-tuned from its base, not merged; one from random weights has no base
  const full = modelMetadata(cfg, 'f16', { name: 'run2', baseModel: '/home/alice/models/Mistral-7B-v0.1', adapter: null, run: '/home/alice/runs/run2' }, 7e9);
  assert.equal(value(full, 'general.description'), 'fine-tuned by mistral-tune from Mistral-7B-v0.1 (run run2)');
  const scratch = modelMetadata(cfg, 'f16', { name: 'run3', baseModel: null, adapter: null, run: '/home/alice/runs/run3' }, 7e9);
  assert.deepEqual([...scratch.keys()].filter((k) => k.startsWith('general.base_model')), []);
  assert.equal(value(scratch, 'general.description'), 'trained by mistral-tune from random weights (run run3)');
});

const TEKKEN = path.join(FIXTURES, 'tekken-tiny');
type Json = Record<string, unknown> & { model: Record<string, unknown>; pre_tokenizer: { pretokenizers: Array<Record<string, unknown>> } };

/** A folder with the Tekken fixture's tokenizer, changed by `edit`. */
function tekkenVariant(edit: (json: Json) => void, config?: Record<string, unknown>): string {
  const dir = tempDir('mt-gguf-bpe-');
  const json = JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer.json'), 'utf8')) as Json;
  edit(json);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  if (config) fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  else fs.copyFileSync(path.join(TEKKEN, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
  return dir;
}

test('byte-level BPE: "gpt2" with the pre-tokenizer its Split regex is (tekken, llama-bpe; ByteLevel\'s own regex: gpt-2); no scores, no space prefix', () => {
  const { result: m, stderr } = captureStderr(() => tokenizerMetadata(TEKKEN, 896));
  assert.equal(stderr, '');
  assert.deepEqual([value(m, 'tokenizer.ggml.model'), value(m, 'tokenizer.ggml.pre')], ['gpt2', 'tekken']);
  assert.ok(!m.has('tokenizer.ggml.scores') && !m.has('tokenizer.ggml.add_space_prefix'));
  const llama3 = KNOWN_PRE.find((p) => p.name === 'llama-bpe')!.regex!;
  const asLlama3 = tekkenVariant((j) => { j.pre_tokenizer.pretokenizers[0]!['pattern'] = { Regex: llama3 }; });
  assert.equal(value(captureStderr(() => tokenizerMetadata(asLlama3, 896)).result, 'tokenizer.ggml.pre'), 'llama-bpe');
  const gpt2 = tekkenVariant((j) => { Object.assign(j, { pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true } }); j.model['ignore_merges'] = false; });
  const g = captureStderr(() => tokenizerMetadata(gpt2, 896));
  assert.deepEqual([value(g.result, 'tokenizer.ggml.pre'), g.stderr], ['gpt-2', '']);
  // llama.cpp looks a word up whole for tekken and llama-bpe (ignore_merges): a tokenizer.json that does not is warned about
  const noIgnore = tekkenVariant((j) => { j.model['ignore_merges'] = false; });
  assert.match(captureStderr(() => tokenizerMetadata(noIgnore, 896)).stderr, /"tekken" pre-tokenizer takes a word found whole in the vocabulary as one token but this tokenizer.json has ignore_merges false/);
});

test('byte-level BPE refused with where and why: a Split regex llama.cpp does not know, a prefix space, another normalizer; neither byte-level nor byte_fallback', () => {
  const cases: Array<[(j: Json) => void, RegExp]> = [
    [(j) => { j.pre_tokenizer.pretokenizers[0]!['pattern'] = { Regex: String.raw`\p{N}{1,2}|\s+|\S+` }; }, /its Split regex "\\\\p\{N\}\{1,2\}\|\\\\s\+\|\\\\S\+" is not one llama.cpp knows: llama.cpp's byte-level BPE tokenizer pre-tokenizes with one of its built-in regexes \(tekken, llama-bpe, qwen2, gpt-4o, gpt-2\).*convert_hf_to_gguf.py refuses/],
    [(j) => { j.pre_tokenizer.pretokenizers[1]!['add_prefix_space'] = true; }, /add_prefix_space/],
    [(j) => { j['normalizer'] = { type: 'Lowercase' }; }, /the Lowercase normalizer is not one llama.cpp applies/],
    [(j) => { j.pre_tokenizer.pretokenizers[0]!['behavior'] = 'MergedWithPrevious'; }, /behavior "MergedWithPrevious" is not Isolated/],
    [(j) => { Object.assign(j, { pre_tokenizer: { type: 'Whitespace' }, decoder: null }); }, /a BPE model with byte_fallback \(as Mistral 7B's\), or its byte-level BPE tokenizer/],
  ];
  for (const [edit, msg] of cases) {
    const dir = tekkenVariant(edit);
    assert.throws(() => captureStderr(() => tokenizerMetadata(dir, 896)), (e: unknown) => e instanceof UserError && msg.test(e.message) && e.message.includes(path.join(dir, 'tokenizer.json')), String(msg));
  }
});

test('byte-level BPE whose tokenizer_config.json says fix_mistral_regex: llama.cpp\'s pre-tokenizer for the regex transformers runs (tekken; convert_hf_to_gguf.py hashes the ids of AutoTokenizer, which has it), not the file\'s, which is refused', () => {
  const gpt2 = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`; // mistral-regex-oracle.py's WRONG
  const config = JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  // transformers fixes only a vocabulary of over 100,000 tokens (mistral-regex.ts)
  const wrongRegex = (j: Json): void => {
    j.pre_tokenizer.pretokenizers[0]!['pattern'] = { Regex: gpt2 };
    const vocab = j.model['vocab'] as Record<string, number>;
    for (let i = Object.keys(vocab).length; i < 100_005; i++) vocab[`<pad_${i}>`] = i;
  };
  const [fixed, asWritten] = [{ ...config, fix_mistral_regex: true }, config].map((c) => {
    const dir = tekkenVariant(wrongRegex, c);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'mistral' }));
    return dir;
  });
  assert.equal(value(captureStderr(() => tokenizerMetadata(fixed!, 100_005)).result, 'tokenizer.ggml.pre'), 'tekken');
  assert.throws(() => captureStderr(() => tokenizerMetadata(asWritten!, 100_005)), (e: unknown) => e instanceof UserError && /is not one llama.cpp knows/.test(e.message));
});

test('named chat templates: tokenizer_config.json\'s list, or additional_chat_templates/*.jinja beside chat_template.jinja; a single template writes no list', () => {
  const m = captureStderr(() => tokenizerMetadata(TEKKEN, 896)).result;
  const list = (JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer_config.json'), 'utf8')) as { chat_template: Array<{ template: string }> }).chat_template;
  assert.deepEqual([value(m, 'tokenizer.chat_template'), value(m, 'tokenizer.chat_template.tool_use'), value(m, 'tokenizer.chat_template.rag_v1'), value(m, 'tokenizer.chat_templates')],
    [list[0]!.template, list[1]!.template, list[2]!.template, ['tool_use', 'rag_v1']]);
  const dir = tekkenVariant(() => {}, { bos_token: '<s>', eos_token: '</s>', chat_template: list });
  fs.writeFileSync(path.join(dir, 'chat_template.jinja'), 'DEFAULT');
  fs.mkdirSync(path.join(dir, 'additional_chat_templates'));
  fs.writeFileSync(path.join(dir, 'additional_chat_templates', 'tool use.jinja'), 'TOOLS');
  const files = captureStderr(() => tokenizerMetadata(dir, 896)).result;
  assert.deepEqual([value(files, 'tokenizer.chat_template'), value(files, 'tokenizer.chat_template.tool_use'), value(files, 'tokenizer.chat_templates'), files.has('tokenizer.chat_template.rag_v1')],
    ['DEFAULT', 'TOOLS', ['tool_use'], false]);
  // a file of that name is no folder of templates (it was read as one: ENOTDIR, where the other readers skip it)
  const asFile = tekkenVariant(() => {}, { bos_token: '<s>', eos_token: '</s>' });
  fs.writeFileSync(path.join(asFile, 'chat_template.jinja'), 'DEFAULT');
  fs.writeFileSync(path.join(asFile, 'additional_chat_templates'), 'not a folder');
  assert.deepEqual([...captureStderr(() => tokenizerMetadata(asFile, 896)).result.keys()].filter((k) => k.startsWith('tokenizer.chat_template')), ['tokenizer.chat_template']);
  const single = captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000)).result;
  assert.deepEqual([...single.keys()].filter((k) => k.startsWith('tokenizer.chat_template')), ['tokenizer.chat_template']);
});

test("named templates as files beside tokenizer_config.json's template (no chat_template.jinja): the files, as transformers 5.17 reads that folder, and the config's default, as training used it", () => {
  const list = (JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer_config.json'), 'utf8')) as { chat_template: Array<{ template: string }> }).chat_template;
  const dir = tekkenVariant(() => {}, { bos_token: '<s>', eos_token: '</s>', chat_template: list });
  fs.mkdirSync(path.join(dir, 'additional_chat_templates'));
  fs.writeFileSync(path.join(dir, 'additional_chat_templates', 'tool use.jinja'), 'TOOLS');
  const m = captureStderr(() => tokenizerMetadata(dir, 896)).result;
  assert.deepEqual([value(m, 'tokenizer.chat_template'), value(m, 'tokenizer.chat_template.tool_use'), value(m, 'tokenizer.chat_templates'), m.has('tokenizer.chat_template.rag_v1')],
    [list[0]!.template, 'TOOLS', ['tool_use'], false]);
});

test('additional_chat_templates/default.jinja is the default template, over chat_template.jinja and the key, as transformers 5.17 reads it: for training and in the GGUF', () => {
  // transformers 5.17 on such a folder: {"default": DEFFILE, "tool_use": TOOLS}, with and without chat_template.jinja
  const list = (JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer_config.json'), 'utf8')) as { chat_template: unknown }).chat_template;
  const dir = tekkenVariant(() => {}, { bos_token: '<s>', eos_token: '</s>', chat_template: list });
  fs.mkdirSync(path.join(dir, 'additional_chat_templates'));
  fs.writeFileSync(path.join(dir, 'additional_chat_templates', 'default.jinja'), 'DEFFILE');
  fs.writeFileSync(path.join(dir, 'additional_chat_templates', 'tool use.jinja'), 'TOOLS');
  for (const jinja of [false, true]) {
    if (jinja) fs.writeFileSync(path.join(dir, 'chat_template.jinja'), 'JINJA');
    const { result: m, stderr } = captureStderr(() => tokenizerMetadata(dir, 896));
    assert.equal(readFolderTokenizerConfig(dir).chatTemplate, 'DEFFILE');
    assert.deepEqual([value(m, 'tokenizer.chat_template'), value(m, 'tokenizer.chat_template.tool_use'), value(m, 'tokenizer.chat_templates')], ['DEFFILE', 'TOOLS', ['tool_use']]);
    assert.doesNotMatch(stderr, /does not read it/);
  }
});

test('named templates with no default (a chat_template list without "default", additional_chat_templates/ alone): no tokenizer.chat_template, the named ones, as llama.cpp writes the list; said', () => {
  // was: the list refused as the tokenizer loaded, and the folder's files given the built-in [INST] template as
  // tokenizer.chat_template, a default neither transformers 5.17 nor training had (gguf-py's add_chat_template writes
  // a list without "default" as tokenizer.chat_template.<name> keys and tokenizer.chat_templates alone)
  const keys = (m: Map<string, unknown>) => [...m.keys()].filter((k) => k.startsWith('tokenizer.chat_template')).sort();
  const listed = tekkenVariant(() => {}, { bos_token: '<s>', eos_token: '</s>', chat_template: [{ name: 'alpha', template: 'A' }, { name: 'tool_use', template: 'TOOLS' }] });
  const a = captureStderr(() => tokenizerMetadata(listed, 896));
  assert.deepEqual(keys(a.result), ['tokenizer.chat_template.alpha', 'tokenizer.chat_template.tool_use', 'tokenizer.chat_templates']);
  assert.deepEqual([value(a.result, 'tokenizer.chat_template.alpha'), value(a.result, 'tokenizer.chat_templates')], ['A', ['alpha', 'tool_use']]);
  assert.match(a.stderr, /tokenizer_config\.json: chat_template: no default chat template among the named ones \(alpha, tool_use\): the GGUF has no tokenizer\.chat_template/);
  const files = tekkenVariant(() => {}, { bos_token: '<s>', eos_token: '</s>' });
  fs.mkdirSync(path.join(files, 'additional_chat_templates'));
  fs.writeFileSync(path.join(files, 'additional_chat_templates', 'alpha.jinja'), 'A');
  const b = captureStderr(() => tokenizerMetadata(files, 896));
  assert.deepEqual(keys(b.result), ['tokenizer.chat_template.alpha', 'tokenizer.chat_templates']);
  assert.match(b.stderr, /additional_chat_templates: no default chat template among the named ones \(alpha\): the GGUF has no tokenizer\.chat_template/);
});

test('a model folder without tokenizer.json whose embedding is smaller than the bundled tokenizer: the model\'s folder named, not the bundled file', () => {
  assert.throws(() => captureStderr(() => modelTokenizer({ cfg: { vocabSize: 512, bosTokenId: 1, eosTokenIds: [2], eosTokenIdIsList: false, padTokenId: null } }, TINY_BASE)), {
    name: 'UserError', message: `${TINY_BASE}: has no tokenizer.json, and the bundled Mistral tokenizer has 32000 tokens but the model's embedding has 512 rows: put the model's own tokenizer.json in it`,
  });
});

test("a tokenizer.json with tokens past the model's embedding rows: the tokens named with their ids, and that nothing is resized", () => {
  assert.throws(() => captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 31998)), {
    name: 'UserError', message: `${path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json')}: 2 tokens of the tokenizer have ids past the model's 31998 embedding rows (vocab_size): ` +
      '"ゼ" (31998), "梦" (31999)' +
      ": mistral-tune does not resize a model's embedding: use the tokenizer the model was trained with, or resize the model first " +
      "(transformers' model.resize_token_embeddings(len(tokenizer)), then save_pretrained; the new rows start untrained)",
  });
});

test('an added token that strips the spaces beside it (lstrip/rstrip), which llama.cpp cannot be told, is warned about naming it, SentencePiece or byte-level', () => {
  // measured with llama.cpp: "a <|im_end|> b" is [264, 32000, 287] here and [264, 28705, 32000, 28705, 287] there
  const dir = tempDir('mt-gguf-tok-');
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  json.added_tokens.push({ id: 32000, content: '<|im_end|>', single_word: false, lstrip: true, rstrip: true, normalized: false, special: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
  // a Mistral model's folder: transformers (and so we) read tokenizer.json's added tokens; without it the config's
  // LlamaTokenizer would take only its added_tokens_decoder's, which lacks this one (config-added-tokens.ts)
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'mistral' }));
  assert.match(captureStderr(() => tokenizerMetadata(dir, 32001)).stderr,
    /gguf: llama\.cpp does not strip the spaces beside an added token as this tokenizer\.json does \(<\|im_end\|> lstrip, rstrip\): text with spaces next to it tokenizes differently there \(.*tokenizer\.json\)/);
  const bpe = tekkenVariant((j) => { (j['added_tokens'] as Array<Record<string, unknown>>).find((t) => t['content'] === '[INST]')!['rstrip'] = true; });
  assert.match(captureStderr(() => tokenizerMetadata(bpe, 896)).stderr, /\(\[INST\] rstrip\)/);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000)).stderr, /strip/);
});

test('a normalizer or Metaspace step llama.cpp\'s SentencePiece tokenizer does not run (a Replace other than " " → "▁", Metaspace split) is warned about naming it', () => {
  // measured with llama.cpp (node-llama-cpp 3.21.1) against transformers 5.17: with a Replace("\t", "▁▁") step "a\tb" is
  // [264, 28705, 287] here and there [264, 12, 28726] (the tab as its byte); with Metaspace split "Hello   world  foo" is
  // [22557, 28705, 28705, 1526, 28705, 19222] here and [22557, 259, 1526, 28705, 19222] there ("▁▁" across words)
  const variant = (edit: (j: Record<string, unknown>) => void): string => {
    const dir = tempDir('mt-gguf-tok-');
    const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    edit(json);
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
    fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
    mistralFolder(dir); // tokenizer.json run as it is, not the LlamaTokenizer its config names (llama-class.ts)
    return dir;
  };
  const tab = variant((j) => { ((j['normalizer'] as Record<string, unknown>)['normalizers'] as unknown[]).push({ type: 'Replace', pattern: { String: '\t' }, content: '▁▁' }); });
  assert.match(captureStderr(() => tokenizerMetadata(tab, 32000)).stderr,
    /gguf: llama\.cpp's SentencePiece tokenizer cannot follow this tokenizer\.json \(it uses a normalizer Replace of "\\t" with "▁▁"; .*\): llama\.cpp may tokenize some text differently \(.*tokenizer\.json\)/);
  const metaspace = (split: boolean | undefined) => variant((j) => {
    j['normalizer'] = null;
    j['pre_tokenizer'] = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', ...(split === undefined ? {} : { split }) };
  });
  assert.match(captureStderr(() => tokenizerMetadata(metaspace(true), 32000)).stderr, /cannot follow this tokenizer\.json \(it uses a Metaspace pre-tokenizer that splits the text into words at each "▁" \(split true\)/);
  assert.match(captureStderr(() => tokenizerMetadata(metaspace(undefined), 32000)).stderr, /\(split true\)/);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(metaspace(false), 32000)).stderr, /cannot follow/);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000)).stderr, /cannot follow/);
});

test('an added token matched only as a whole word (single_word), which llama.cpp cannot be told, is warned about naming it', () => {
  // measured with llama.cpp: "zqxbox zqx" is [686, 28775, 28744, 2858, 28705, 32000] here (and in transformers 5.17),
  // [32000, 3890, 28705, 32000] there
  const dir = tempDir('mt-gguf-tok-');
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  json.added_tokens.push({ id: 32000, content: 'zqx', single_word: true, lstrip: false, rstrip: false, normalized: false, special: false });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const { stderr } = captureStderr(() => tokenizerMetadata(dir, 32001));
  assert.match(stderr, /gguf: llama\.cpp finds an added token inside a word too, where this tokenizer\.json matches it only as a whole word \(single_word: zqx\): text with it inside a word tokenizes differently there \(.*tokenizer\.json\)/);
  assert.doesNotMatch(stderr, /strip/);
  const bpe = tekkenVariant((j) => { (j['added_tokens'] as Array<Record<string, unknown>>).find((t) => t['content'] === '[CUSTOM]')!['single_word'] = true; });
  assert.match(captureStderr(() => tokenizerMetadata(bpe, 896)).stderr, /\(single_word: \[CUSTOM\]\)/);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000)).stderr, /single_word/);
});

test('an added token holding "▁" in a SentencePiece file (llama.cpp shows it raw, transformers decodes a space) is warned about naming it', () => {
  // measured with llama.cpp (node-llama-cpp 3.21.1) against transformers 5.17: "a x▁y b" is [264, 28705, 32000, 28705, 287]
  // in both (x▁y normalized false), decoded "a x y  b" there and here, "a x▁y  b" by llama.cpp; a special "<s▁p>" shown
  // with special tokens: "a <s p>  b" in transformers, "a <s▁p>  b" in llama.cpp
  const dir = tempDir('mt-gguf-tok-');
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  json.added_tokens.push({ id: 32000, content: 'x\u2581y', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
  json.added_tokens.push({ id: 32001, content: '<s\u2581p>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
  mistralFolder(dir);
  assert.match(captureStderr(() => tokenizerMetadata(dir, 32002)).stderr,
    /gguf: llama\.cpp shows an added token's text as it is, where transformers decodes each "▁" in it as a space \("x▁y"; "<s▁p>"\): "x▁y" decodes as "x▁y" there, "x y" here and in transformers; the ids are the same \(.*tokenizer\.json\)/);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000)).stderr, /shows an added token/);
});

test('split_special_tokens, which llama.cpp cannot be told (it parses special tokens as its caller asks), is warned about naming tokenizer_config.json', () => {
  // measured with llama.cpp: "a [INST] b</s>" is [264, 733, 16289, 28793, 287, 700, 28713, 28767] here (and in
  // transformers 5.17 with split_special_tokens), [264, 733, 16289, 28793, 287, 2] there with special tokens parsed
  const dir = tempDir('mt-gguf-tok-');
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  const config = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, split_special_tokens: true }));
  assert.match(captureStderr(() => tokenizerMetadata(dir, 32000)).stderr,
    /gguf: split_special_tokens is true: a special token's text written in a text \(e\.g\. "<\/s>"\) is plain text here and in transformers, but llama\.cpp reads it as the special token .*\(.*tokenizer_config\.json\)/);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000)).stderr, /split_special_tokens/);
});

test('SentencePiece: tokens llama.cpp can join from a pair no merge lists (it joins any two pieces that make a token) are warned about, how many and one; none for the bundled tokenizer or byte-level BPE', () => {
  // measured with llama.cpp (node-llama-cpp 3.21.1), gguf-llama-tokenizer.test.ts: without the merges that make "▁the",
  // "the the the" is ▁t|he ×3 here and in transformers 5.17, ▁the ×3 there
  const withMerges = (keep: (a: string, b: string) => boolean): string => {
    const dir = tempDir('mt-gguf-tok-');
    const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { model: { merges: Array<string | string[]> } };
    json.model.merges = json.model.merges.filter((m) => {
      const [a, b] = typeof m === 'string' ? m.split(' ') : m;
      return keep(a!, b!);
    });
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
    fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
    return dir;
  };
  const noThe = withMerges((a, b) => a + b !== '▁the'); // no merge makes "▁the"
  assert.match(captureStderr(() => tokenizerMetadata(noThe, 32000)).stderr,
    /gguf: llama\.cpp's SentencePiece tokenizer joins any two adjacent pieces that make a token, where this tokenizer\.json joins only the pairs its merges list: 1 token can be joined there from a pair no merge lists \(e\.g\. "▁the" from "▁" \+ "the"\), so text with it may tokenize differently there \(.*tokenizer\.json\)/);
  const oneCut = withMerges((a, b) => !(a === '▁th' && b === 'e')); // "▁the" still made by "▁t" + "he"
  assert.match(captureStderr(() => tokenizerMetadata(oneCut, 32000)).stderr, /: 1 token can be joined there from a pair no merge lists \(e\.g\. "▁the" from "▁th" \+ "e"\)/);
  const two = withMerges((a, b) => !(a === 'i' && b === 'n') && !(a === '▁th' && b === 'e'));
  assert.match(captureStderr(() => tokenizerMetadata(two, 32000)).stderr, /: 2 tokens can be joined there from a pair no merge lists \(e\.g\. "in" from "i" \+ "n"\), so text with them/);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000)).stderr, /joins any two/);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(TEKKEN, 896)).stderr, /joins any two/);
  // nor for the export tests' cut of the bundled tokenizer (gguf-models.ts), which kept 28 merges of its 512 tokens
  const cut = tempDir('mt-gguf-tok-');
  cutTokenizer(cut, 512);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(cut, 512)).stderr, /joins any two/);
});

test('Metaspace prepend_scheme "first" or "always": the warning says both what llama.cpp adds otherwise — "▁" before text that starts with a space, and ("first") after a special token', () => {
  // measured with llama.cpp (node-llama-cpp 3.21.1) against transformers 5.17, prepend_scheme "first": "    four spaces" is
  // ▁▁▁|▁four|▁spaces in transformers and here, ▁▁▁▁|▁four|▁spaces there; "a <s> b<s>c" ends in <s>|c here, <s>|▁c there
  const scheme = (prepend: string): string => {
    const dir = tempDir('mt-gguf-tok-');
    const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    json['normalizer'] = null;
    json['pre_tokenizer'] = { type: 'Metaspace', replacement: '▁', prepend_scheme: prepend, split: false };
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
    fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
    mistralFolder(dir); // tokenizer.json run as it is, not the LlamaTokenizer its config names (llama-class.ts)
    return captureStderr(() => tokenizerMetadata(dir, 32000)).stderr;
  };
  assert.match(scheme('first'), /prepend_scheme "first" adds "▁" only at the start of the input, and not before text that starts with a space; llama\.cpp adds it to all text and after every special token/);
  assert.match(scheme('always'), /prepend_scheme "always" adds "▁" to each text but one that starts with a space; llama\.cpp adds it to all text and after every special token/);
});

test('a token whose text holds a NUL character: written as [UNUSED<id>] with a warning naming it, as llama.cpp reads a token text up to its first NUL ("a\\u0000" would be a second "a": llama.cpp aborts loading the file)', () => {
  // measured (node-llama-cpp 3.21.1): a GGUF with tokens "a" and "a\u0000" fails GGML_ASSERT(id_to_token.size() == token_to_id.size())
  const dir = tempDir('mt-gguf-tok-');
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number>; merges: string[] } };
  const last = Object.keys(json.model.vocab).find((t) => json.model.vocab[t] === 31999)!;
  delete json.model.vocab[last];
  json.model.vocab['a\u0000'] = 31999;
  json.model.merges = json.model.merges.filter((m) => !m.split(' ').includes(last) && m.replace(' ', '') !== last);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
  const { result, stderr } = captureStderr(() => tokenizerMetadata(dir, 32000));
  assert.match(stderr, /gguf: llama\.cpp reads a token's text only up to a NUL character: 1 token holding one \(id 31999 "a\\u0000"\) is written as \[UNUSED<id>\], which llama\.cpp never gives, so text with it tokenizes differently there \(.*tokenizer\.json\)/);
  assert.equal((value(result, 'tokenizer.ggml.tokens') as string[])[31999], '[UNUSED31999]');
  assert.equal((value(result, 'tokenizer.ggml.token_type') as Int32Array)[31999], 5);
  assert.doesNotMatch(stderr, /joins any two/, 'a text llama.cpp is not given is not one it joins');
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000)).stderr, /NUL/);
});

test('byte_fallback without a byte token UTF-8 text can need: refused naming the tokens (llama.cpp aborts with std::out_of_range on a text needing it, where transformers gives <unk>); an ASCII byte whose character is a token needs none', () => {
  // measured (node-llama-cpp 3.21.1): the bundled tokenizer cut to 512 ids with "<0xC3>" renamed loads, and tokenizing
  // "é" terminates the process (llama_vocab::byte_to_token: token_to_id.at); with "<0x0A>" renamed too, loading it does
  const withBytes = (rename: string[]): string => {
    const dir = tempDir('mt-gguf-tok-');
    const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    for (const [k, t] of rename.entries()) {
      json.model.vocab[`zz_byte${k}`] = json.model.vocab[t]!;
      delete json.model.vocab[t];
    }
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
    fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
    return dir;
  };
  const dir = withBytes(['<0x0A>', '<0xC3>']);
  assert.throws(() => captureStderr(() => tokenizerMetadata(dir, 32000)), (e: unknown) => e instanceof UserError &&
    /tokenizer\.json: model\.vocab: byte_fallback without the byte tokens <0x0A>, <0xC3>: llama\.cpp's SentencePiece tokenizer aborts \(std::out_of_range\)/.test(e.message));
  // "A" is a token: llama.cpp's byte_to_token falls back to it (and never needs it: "A" is found whole)
  assert.equal(value(captureStderr(() => tokenizerMetadata(withBytes(['<0x41>']), 32000)).result, 'tokenizer.ggml.model'), 'llama');
  // bytes UTF-8 never holds are not needed
  assert.equal(value(captureStderr(() => tokenizerMetadata(withBytes(['<0xC0>', '<0xFF>']), 32000)).result, 'tokenizer.ggml.model'), 'llama');
});

test('tokens llama.cpp ends generation at by their text ("<|im_end|>", "[PAD]") but generate does not: warned of, and so is a non-special one, which llama.cpp makes control', () => {
  const dir = tempDir('mt-gguf-text-stops-');
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const flags = { single_word: false, lstrip: false, rstrip: false, normalized: false };
  const write = (imEndSpecial: boolean): void => {
    const added = { 32000: { content: '<|im_end|>', ...flags, special: imEndSpecial }, 32001: { content: '[PAD]', ...flags, special: true } };
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ ...json, added_tokens: [...json.added_tokens, ...Object.entries(added).map(([id, t]) => ({ id: Number(id), ...t }))] }));
    const config = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as { added_tokens_decoder: object };
    config.added_tokens_decoder = { ...config.added_tokens_decoder, ...added }; // as transformers saves them
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  };
  write(false);
  mistralFolder(dir);
  const model = { cfg: { vocabSize: 32002, bosTokenId: 1, eosTokenIds: [2], eosTokenIdIsList: false, padTokenId: null } };
  const warned = captureStderr(() => modelTokenizer(model, dir)).stderr;
  assert.match(warned, /gguf: llama\.cpp knows some tokens by their text alone.*ends generation at "<\|im_end\|>" \(id 32000\); "\[PAD\]" \(id 32001\), if llama\.cpp finds it first of its kind, where generate and transformers stop only at id 2; and it makes "<\|im_end\|>" \(id 32000\) a control token/);
  assert.doesNotMatch(warned, /makes[^;]*"\[PAD\]"/, '[PAD] is special: control in the file already');
  // generate stopping at both (generation_config.json), with <|im_end|> special: nothing to say
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [2, 32000, 32001] }));
  write(true);
  assert.doesNotMatch(captureStderr(() => modelTokenizer(model, dir)).stderr, /by their text/);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000)).stderr, /by their text/, '"</s>", the EOS');
});

test('a FIM prefix/suffix/middle token ("<|fim_prefix|>", "▁<PRE>") that is not special: llama.cpp makes it control by its text (not a stop), warned of', () => {
  const dir = tempDir('mt-gguf-text-fim-');
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const write = (special: boolean): void => {
    const added = ['<|fim_prefix|>', '\u2581<PRE>'].map((content, i) => ({ id: 32000 + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special }));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ ...json, added_tokens: [...json.added_tokens, ...added] }));
  };
  write(false);
  const warned = captureStderr(() => tokenizerMetadata(dir, 32002)).stderr;
  assert.match(warned, /gguf: llama\.cpp knows some tokens by their text alone.*: it makes "<\|fim_prefix\|>" \(id 32000\), if llama\.cpp finds it first of its kind; "▁<PRE>" \(id 32001\), if llama\.cpp finds it first of its kind a control token/);
  assert.doesNotMatch(warned, /ends generation/, 'llama.cpp does not stop at them');
  write(true);
  assert.doesNotMatch(captureStderr(() => tokenizerMetadata(dir, 32002)).stderr, /by their text/, 'special: control in the file already');
});

test('a token llama.cpp ends generation at by its text, where generate stops at no token (no EOS id): said so, not "only at ids none"', () => {
  // control (3) in the file: only the stop is said
  const warned = captureStderr(() => warnTextStops(['<unk>', '<s>', '</s>'], new Int32Array([2, 3, 3]), [], 'tokenizer.json')).stderr;
  assert.match(warned, /ends generation at "<\/s>" \(id 2\), where generate and transformers stop at no token \(no EOS id\) \(tokenizer\.json\)/);
  assert.doesNotMatch(warned, /ids? none/);
});

test('"<|tool_response>" beside "</s>", "<|end|>" beside "<|return|>" and "<|call|>": llama.cpp takes "</s>" and "<|end|>" back out of its stops, warned of where generate stops there', () => {
  const control = TOKEN_TYPE.control;
  // the EOS "</s>" with a tool-calling token added (before: no word of it, llama.cpp never stopping at the EOS)
  const warned = captureStderr(() => warnTextStops(['<unk>', '<s>', '</s>', '<|tool_response>'], new Int32Array([2, control, control, control]), [2], 'tokenizer.json')).stderr;
  assert.match(warned, /does not end generation at "<\/s>" \(id 2\), as the vocabulary also holds "<\|tool_response>" \(id 3\), where generate and transformers stop there/);
  assert.match(warned, /ends generation at "<\|tool_response>" \(id 3\), where generate and transformers stop only at id 2/);
  assert.match(warned, /makes "<\/s>" \(id 2\) a normal token, shown as text by every detokenize/);
  assert.doesNotMatch(warned, /ends generation at "<\/s>"/);
  // without "<|tool_response>" nothing to say of "</s>"
  assert.equal(captureStderr(() => warnTextStops(['<unk>', '<s>', '</s>'], new Int32Array([2, control, control]), [2], 'tokenizer.json')).stderr, '');
  // "<|end|>" with "<|return|>" and "<|calls|>": not a stop, made user-defined; without "<|call|>"/"<|calls|>" a stop still
  const tokens = ['</s>', '<|end|>', '<|return|>', '<|calls|>'];
  const harmony = captureStderr(() => warnTextStops(tokens, new Int32Array(4).fill(control), [0, 1, 2, 3], 'tokenizer.json')).stderr;
  assert.match(harmony, /it does not end generation at "<\|end\|>" \(id 1\), as the vocabulary also holds "<\|return\|>" \(id 2\) and "<\|calls\|>" \(id 3\) \(in llama-cli and llama-server; node-llama-cpp does, [^)]*\), where generate and transformers stop there; and it makes "<\|end\|>" \(id 1\) a user-defined token/);
  assert.doesNotMatch(harmony, /ends generation at/);
  assert.equal(captureStderr(() => warnTextStops(tokens.slice(0, 3), new Int32Array(3).fill(control), [0, 1, 2], 'tokenizer.json')).stderr, '');
});

test('"<|end|>" taken out beside "<|return|>" and "<|call|>" is still llama.cpp\'s end-of-turn token, which node-llama-cpp stops at: warned of as such, stop of generate or not', () => {
  const control = TOKEN_TYPE.control, tokens = ['</s>', '<|end|>', '<|return|>', '<|call|>'], types = new Int32Array(4).fill(control);
  // generate stops at the EOS alone: node-llama-cpp ends generation at "<|end|>" where it does not (before: no word of it)
  const onlyEos = captureStderr(() => warnTextStops(tokens, types, [0], 'tokenizer.json')).stderr;
  assert.match(onlyEos, /ends generation at "<\|end\|>" \(id 1\) in node-llama-cpp alone, as llama\.cpp's end-of-turn token \(llama-cli and llama-server do not, as the vocabulary also holds "<\|return\|>" \(id 2\) and "<\|call\|>" \(id 3\)\)/);
  // generate stops there too: only llama-cli and llama-server do not (before: "does not end generation" of all llama.cpp)
  const both = captureStderr(() => warnTextStops(tokens, types, [0, 1], 'tokenizer.json', 1)).stderr;
  assert.match(both, /does not end generation at "<\|end\|>" \(id 1\), as the vocabulary also holds "<\|return\|>" \(id 2\) and "<\|call\|>" \(id 3\) \(in llama-cli and llama-server; node-llama-cpp does, as it also stops at llama\.cpp's end-of-turn token\), where generate/);
  // the file names another end-of-turn token: node-llama-cpp does not stop at "<|end|>" either
  const other = captureStderr(() => warnTextStops([...tokens, '<|im_end|>'], new Int32Array(5).fill(control), [0, 1, 4], 'tokenizer.json', 4)).stderr;
  assert.match(other, /and "<\|call\|>" \(id 3\), where generate and transformers stop there/);
  assert.doesNotMatch(other, /node-llama-cpp/);
});

test('a generation_config.json stopping at 31,999 ids: the GGUF export\'s warnings say the first ids and a count, not every id', () => {
  // each warning listed every id: two lines of 213 kB on stderr for an export of the tiny model with such a file
  const dir = tempDir('mt-gguf-tok-');
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, f), path.join(dir, f));
  const ids = Array.from({ length: 32000 }, (_, i) => i).filter((i) => i !== 2); // every id but the EOS "</s>"
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: ids }));
  const model = { cfg: { vocabSize: 32000, bosTokenId: 1, eosTokenIds: [2], eosTokenIdIsList: false, padTokenId: null } };
  const lines = captureStderr(() => modelTokenizer(model, dir)).stderr.split('\n').filter((l) => l !== '');
  assert.ok(lines.some((l) => /gguf: generation stops at tokens 3, 4, 5, .* and \d+ more here/.test(l)), lines.map((l) => l.slice(0, 120)).join('\n'));
  assert.ok(lines.some((l) => /ends generation at "<\/s>" \(id 2\), where generate and transformers stop only at ids 0, 1, 3, .* and 31991 more/.test(l)), lines.map((l) => l.slice(0, 120)).join('\n'));
  for (const l of lines) assert.ok(l.length < 1000, `${l.length} characters: ${l.slice(0, 120)}`);
});
