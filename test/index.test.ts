// The library API of the README works as written: load, evaluate, generate, through src/index.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.ts';
import type { AdamWConfig, Schedule, ScheduleKwargs, ScheduleType } from '../src/index.ts';
import { readFixture, TINY, TINY_BASE, TINY_CLS } from './helpers.ts';
import { tempDir } from './temp-dir.ts';
import { isQuiet } from '../src/util/log.ts';

test('the README example: loadModel, loss, generate', () => {
  const model = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  const ex = readFixture(path.join(TINY, 'expected.safetensors'));
  const prompt = Array.from(ex.gen_prompt!.data as Int32Array);
  const out = api.generate(model, prompt, { maxNewTokens: 12, eosIds: [] });
  assert.deepEqual([...prompt, ...out], Array.from(ex.gen_output!.data as Int32Array));
  const { loss } = api.evaluateLoss(model, [{ inputIds: prompt }], { batchSize: 1 });
  assert.ok(loss > 0);
  assert.equal(typeof api.train, 'function');
  assert.equal(typeof api.prepare, 'function');
});

// The options and results of the functions the README names, by the names a TypeScript user writes: without
// them a caller could only spell `Parameters<typeof api.exportRun>[0]`. The typecheck checks these imports; the
// test checks src/index.ts names each, since a type import is erased at run time.
const PUBLIC_TYPES = ['PrepareOptions', 'PrepareResult', 'LoadRowsOptions', 'LoadedRows', 'DataRecord', 'TokenizeOptions',
  'TokenizedRecord', 'EvaluateOptions', 'LossReport', 'ClassificationReport', 'ClassificationMetrics', 'ClassMetrics', 'ExportOptions',
  'ExportResult', 'DashboardOptions', 'Dashboard', 'TrainOptions', 'TrainResult', 'LoaderOptions', 'LoadTokenizerOptions',
  'AdapterInfo', 'SaveAdapterOptions', 'SaveModelOptions', 'Precision', 'GgufFileOptions', 'GgufFileResult', 'GgufQuant',
  // lrAtStep's argument and the config's schedule; the unions of PrepareOptions' and LoadRowsOptions' fields; a chat
  // message's role; what exportRun made; a safetensors file's tensors read and written; AdamW's hyperparameters
  'Schedule', 'ScheduleKwargs', 'ScheduleType', 'Task', 'Format', 'TextSplit', 'DedupMode', 'LabelValue', 'FieldMap', 'ChatRole', 'TextRole',
  'ExportKind', 'TensorInfo', 'TensorToWrite', 'AdamWConfig'] as const;
type Uses = [api.PrepareOptions, api.PrepareResult, api.LoadRowsOptions, api.LoadedRows, api.DataRecord, api.TokenizeOptions,
  api.TokenizedRecord, api.EvaluateOptions, api.LossReport, api.ClassificationReport, api.ClassificationMetrics, api.ClassMetrics, api.ExportOptions,
  api.ExportResult, api.DashboardOptions, api.Dashboard, api.TrainOptions, api.TrainResult, api.LoaderOptions, api.LoadTokenizerOptions,
  api.AdapterInfo, api.SaveAdapterOptions, api.SaveModelOptions, api.Precision, api.GgufFileOptions, api.GgufFileResult, api.GgufQuant,
  api.Schedule, api.ScheduleKwargs, api.ScheduleType, api.Task, api.Format, api.TextSplit, api.DedupMode, api.LabelValue, api.FieldMap, api.ChatRole, api.TextRole,
  api.ExportKind, api.TensorInfo, api.TensorToWrite, api.AdamWConfig];

test('the option and result types of the library functions are exported by name', () => {
  const index = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.ts'), 'utf8');
  const exported = new Set([...index.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap((m) => m[1]!.split(',').map((n) => n.trim().replace(/^type /, ''))));
  assert.deepEqual(PUBLIC_TYPES.filter((t) => !exported.has(t)), []);
  const uses: Uses | null = null; // compiles only when every name resolves
  assert.equal(uses, null);
});

// exportRun({run, out}) copies the adapter, as `mistral-tune export --run R --out D` does, but its type required merge
// and best: a strict TypeScript caller had to spell both (npm run typecheck fails on this line without them optional).
test('exportRun takes merge and best as optional, as it reads them (absent: false)', () => {
  const minimal: api.ExportOptions = { run: 'runs/lora', out: 'exported' };
  assert.deepEqual([minimal.merge, minimal.best], [undefined, undefined]);
});

// A caller catches what a call throws by its class: UserError (bad input, with NonFiniteLossError one of them), and
// CudaError (a failed CUDA call on the GPU: its name, status and message) was not exported to test against.
test('the errors library calls throw are exported classes: UserError, NonFiniteLossError (a UserError), CudaError', () => {
  const loose = api as unknown as Record<string, unknown>;
  assert.deepEqual(['UserError', 'NonFiniteLossError', 'CudaError', 'isUserError'].filter((n) => loose[n] === undefined), []);
  assert.ok(new api.NonFiniteLossError(Number.NaN, '0') instanceof api.UserError);
  const cuda = new api.CudaError('cuMemAlloc_v2', 2, 'CUDA driver: cuMemAlloc_v2 failed with 2 CUDA_ERROR_OUT_OF_MEMORY (out of memory)');
  assert.ok(cuda instanceof Error && !api.isUserError(cuda));
  assert.deepEqual([cuda.name, cuda.call, cuda.status], ['CudaError', 'cuMemAlloc_v2', 2]);
});

test('setQuiet is exported, so a library caller can silence the info lines (the README says what they are)', () => {
  assert.equal(typeof api.setQuiet, 'function');
});

// From plain JavaScript nothing checks the types: a missing or ill-typed argument is one UserError naming the
// function and the argument, not a TypeError from inside (tokenizeRecord({text: 'hi'}) read `.ids` of undefined).
test('library functions given missing or ill-typed arguments say which, naming the function', async () => {
  const loose = api as unknown as Record<string, (...a: unknown[]) => unknown>;
  const gelu = path.join(tempDir('mt-index-gelu-'), 'gelu');
  // in a folder that is there: '/nonexistent-dir/m.gguf' had root make /nonexistent-dir (the refusals of an adapter file
  // came once the output's folders were made) and a user who may not make it told EACCES, not the refusal checked
  const gguf = path.join(tempDir('mt-index-gguf-out-'), 'm.gguf');
  fs.cpSync(TINY_BASE, gelu, { recursive: true });
  fs.writeFileSync(path.join(gelu, 'config.json'), JSON.stringify({ ...JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')) as object, hidden_act: 'gelu' }));
  const calls: Array<[string, unknown[], RegExp]> = [
    ['tokenizeRecord', [{ text: 'hi' }], /^tokenizeRecord: record\.shape is missing: give one of "text"/],
    ['tokenizeRecord', [{ shape: 'text' }, null], /^tokenizeRecord: record\.text is missing/],
    ['tokenizeRecord', [{ shape: 'text', text: 'hi' }], /^tokenizeRecord: the tokenizer \(second argument\) is missing: give loadTokenizer/],
    ['prepare', [], /^prepare: options is missing/],
    ['prepare', [{ inputs: 'a.jsonl' }], /^prepare: options\.inputs is "a\.jsonl": give a list of input files/],
    ['loadTokenRows', [], /^loadTokenRows: file is missing/],
    ['exportRun', [{}], /^exportRun: options\.run is missing/],
    // taken by its truthiness before: 'yes' merged, and so did 'false'
    ['exportRun', [{ run: 'r', out: 'o', merge: 'false' }], /^exportRun: options\.merge is "false": give true or false/],
    ['exportMergedAdapter', [{ out: 'o' }], /^exportMergedAdapter: options\.adapter is missing/],
    // transformers' save_pretrained(max_shard_size=...) spelling was ignored: an export meant to be sharded was not
    ['exportRun', [{ run: 'r', out: 'o', max_shard_size: '1GB' }], /^exportRun: options\.max_shard_size is no option: write options\.maxShardBytes, a number of bytes/],
    ['exportMergedAdapter', [{ adapter: 'a', out: 'o', max_shard_size: 1e9 }], /^exportMergedAdapter: options\.max_shard_size is no option: write options\.maxShardBytes/],
    ['exportMergedAdapter', [{ adapter: 'a', out: 'o', maxShardBytes: '5GB' }], /^exportMergedAdapter: options\.maxShardBytes must be a positive number of bytes/],
    ['resolveEvalTarget', [], /^resolveEvalTarget: options is missing/],
    ['evaluateLoss', [], /^evaluateLoss: model is missing/],
    // TypeErrors from inside before ("reading 'lmHead'", "reading 'decodesByteTokens'" at the first push)
    ['isClassificationOnly', [], /^isClassificationOnly: model is missing: give loadModel/],
    ['isClassificationOnly', [{}], /^isClassificationOnly: model is an object that is no model/],
    ['modelTask', ['/models/m', null, null], /^modelTask: model is "\/models\/m": give loadModel/],
    ['createTextStream', [], /^createTextStream: tokenizer is missing: give loadTokenizer/],
    ['createTextStream', [{ decode: () => '', idToToken: () => null, decodesByteTokens: false }], /^createTextStream: write is missing: give a function/],
    ['evaluateClassification', [], /^evaluateClassification: model is missing/],
    // validated as a config file is (train-plain-config.test): each missing key named
    ['train', [{}], /^train: model: missing .*; data: missing/],
    ['loadModel', [], /^loadModel: the model folder is missing/],
    ['generate', [{}], /^generate: prompt is missing/],
    ['startDashboard', [{}], /^startDashboard: options\.runs is missing/],
    ['exportGgufFile', [{ run: 'r' }], /^exportGgufFile: options\.out is missing/],
    ['loadConfig', [], /^loadConfig: the model folder is missing/],
    ['readAdapterInfo', ['a'], /^readAdapterInfo: numLayers is missing/],
    ['loadAdapter', [{}], /^loadAdapter: the adapter folder is missing/],
    ['saveAdapter', [], /^saveAdapter: model is missing/],
    ['mergeLora', [], /^mergeLora: model is missing/],
    ['saveModelFolder', [{}, 'out'], /^saveModelFolder: options is missing/],
    // a head or taskType left out (or PEFT's task_type) dropped a classifier's score head; 'fp16' and '5GB' were let be
    ['saveModelFolder', [{}, '/nonexistent-dir/m', { sourceDir: null }], /^saveModelFolder: options\.head is missing: give one of "causal", "classification"$/],
    ['saveModelFolder', [{}, '/nonexistent-dir/m', { sourceDir: null, head: 'causal', dtype: 'fp16' }], /^saveModelFolder: options\.dtype is "fp16": give one of "f32", "bf16", "f16"$/],
    ['saveModelFolder', [{}, '/nonexistent-dir/m', { sourceDir: null, head: 'causal', maxShardBytes: '5GB' }], /^saveModelFolder: options\.maxShardBytes is "5GB": give a number of bytes > 0/],
    ['saveAdapter', [{}, '/nonexistent-dir/a', { task_type: 'SEQ_CLS', baseModel: null }], /^saveAdapter: options\.task_type is no option: write options\.taskType/],
    ['saveAdapter', [{}, '/nonexistent-dir/a', { taskType: 'causal', baseModel: null }], /^saveAdapter: options\.taskType is "causal": give one of "CAUSAL_LM", "SEQ_CLS", or null \(no task_type: the LoRA factors alone\)$/],
    ['saveAdapter', [{}, '/nonexistent-dir/a', { taskType: 'CAUSAL_LM' }], /^saveAdapter: options\.baseModel is missing: give the base model's folder/],
    ['encodePrompt', [{}, 'hi'], /^encodePrompt: prompt is "hi": give \{raw: 'text'\}/],
    ['readMessagesFile', [], /^readMessagesFile: file is missing/],
    ['readPromptFile', [], /^readPromptFile: file is missing/],
    ['classificationMetrics', [[0], [0]], /^classificationMetrics: numLabels is missing/],
    ['collate', [[]], /^collate: padId is missing/],
    // was a plain Error, which a caller catching UserError (bad input) let through as a bug
    ['collate', [[], 0, null], /^collate: rows is empty: give at least one token row/],
    // the GGUF export named --quant, --precision, --format and --adapter to a library caller
    ['exportGgufFile', [{ model: TINY_BASE, out: gguf, quant: 'q9' }], /^exportGgufFile: options\.quant: "q9" is not one of/],
    ['exportGgufFile', [{ model: TINY_BASE, out: gguf, precision: 'fp8' }], /^exportGgufFile: options\.precision: "fp8" is not one of/],
    ['exportGgufFile', [{ model: TINY_BASE, out: gguf, format: 'gguf-lora' }], /^exportGgufFile: options\.format 'gguf-lora' with options\.model needs options\.adapter/],
    ['exportGgufFile', [{ model: TINY_BASE, adapter: path.join(TINY, 'adapter_init'), out: gguf, format: 'gguf-lora', quant: 'q8_0' }], /^exportGgufFile: options\.quant q8_0: an adapter file is written as f32, f16 or bf16/],
    // and, past those, of --format gguf and export --merge as the way out of a DoRA adapter file and a gelu model
    ['exportGgufFile', [{ model: TINY_BASE, adapter: path.join(TINY, '..', 'hf-tiny-mistral-dora', 'adapter_init'), out: gguf, format: 'gguf-lora' }],
      /adapter_config\.json: use_dora: a DoRA adapter cannot be a GGUF adapter file .*; export it merged \(options\.format 'gguf'\)$/],
    ['exportGgufFile', [{ model: gelu, out: gguf }], /gelu\/config\.json: hidden_act: "gelu" cannot be exported to GGUF: .*; exportRun with merge writes an HF model folder$/],
    // prepare's option errors named --split, --labels, --task and --input to a library caller; a seed the CLI refuses went into report.json
    ['prepare', [{ inputs: [], outDir: 'o', tokenizer: {} }], /^prepare: no options\.inputs files given$/],
    ['prepare', [{ inputs: ['a.jsonl'], outDir: 'o', tokenizer: {}, labels: ['a', 'b'] }], /^prepare: options\.labels needs options\.task 'classification'$/],
    ['prepare', [{ inputs: ['a.jsonl'], outDir: 'o', tokenizer: {}, seed: 1e300 }], /^prepare: options\.seed must be an integer ≥ 0, got 1e\+300$/],
    ['createAdapter', [], /^createAdapter: model is missing/],
    // were TypeErrors from inside (rng.next, backend.alloc), a trainable 'false' trained, a shorter predicted was scored
    ['createAdapter', [{}, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, '0'], /^createAdapter: seed is "0": give a non-negative integer/],
    ['loadAdapter', [{}, 'a', { trainable: 'false' }], /^loadAdapter: options\.trainable is "false": give true or false$/],
    ['loadModel', [TINY_BASE, { backend: 'cpu' }], /^loadModel: options\.backend is "cpu": give createBackend\('cpu'\)/],
    ['loadModel', [TINY_BASE, { device: 'cpu' }], /^loadModel: options\.backend is missing/],
    ['classificationMetrics', [[0, 1], [0], 2], /^classificationMetrics: predicted has 1 entries but truth has 2/],
    ['classificationMetrics', [[0, 5], [0, 1], 2], /^classificationMetrics: truth\[1\] is 5: give a class index in \[0, 2\)$/],
    ['createAdapter', [{}, { r: 1.5 }], /^createAdapter: spec\.r is 1\.5: give the rank/],
    ['createAdapter', [{}, { r: 2, alpha: 4, dropout: 0, targets: ['qproj'], useRslora: false }], /^createAdapter: spec\.targets names "qproj", which is no projection/],
    ['createAdapter', [{}, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, -1], /^createAdapter: seed is -1/],
    // were TypeErrors from inside ("reading 'seed'", "reading 'eosTokenIds'", "reading 'temperature'", a path of undefined), or NaN parameters
    ['createRandomModel', [], /^createRandomModel: backend is missing: give createBackend\('cpu'\)$/],
    ['createRandomModel', [{}, {}, { seed: 0 }], /^createRandomModel: cfg is no model config \(it has no hiddenSize, numLayers, vocabSize and headDim\): give a model config/],
    ['parameterCount', [{ encode: () => [] }], /^parameterCount: cfg is no model config/],
    ['stopIds', [], /^stopIds: cfg is missing: give the model config \(model\.cfg\)$/],
    ['generationSettings', [{}], /^generationSettings: file is missing: give readGenerationConfig\(folder\)$/],
    ['readGenerationConfig', [], /^readGenerationConfig: the model folder is missing/],
    ['writeSafetensors', ['/nonexistent-dir/a.safetensors', { w: { dtype: 'F32', shape: [2] } }], /^writeSafetensors: tensor "w": data is missing: give a typed array/],
    ['writeSafetensors', ['/nonexistent-dir/a.safetensors', { w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }], /^writeSafetensors: tensor "w": shape \[3\] × F32 is 12 bytes, data has 8$/],
    // were TypeErrors from inside (a path of 3, "destructure property 'warmupSteps'", "reading 'loss'"), a task refused without
    // the function's name, a missing step a NaN rate and a report without its perplexity written as "Infinity"
    ['resolveEvalTarget', [{ model: TINY_BASE, adapter: 3 }], /^resolveEvalTarget: options\.adapter is 3: give a PEFT adapter folder$/],
    ['resolveEvalTarget', [{ model: TINY_BASE, task: 'classify' }], /^resolveEvalTarget: options\.task is "classify": give one of "generation", "classification"$/],
    ['lrAtStep', [], /^lrAtStep: schedule is missing: give an object such as/],
    ['lrAtStep', [{ type: 'linear', warmupSteps: 0, totalSteps: 10 }, 1e-4], /^lrAtStep: k is missing: give the optimizer step, counted from 1$/],
    ['lossReportJson', [], /^lossReportJson: report is missing: give what evaluateLoss returns$/],
    ['lossReportJson', [{ loss: 1, tokens: 3 }], /^lossReportJson: report\.perplexity is missing/],
  ];
  const adamw = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 };
  const Loose = api.AdamW as unknown as new (...a: unknown[]) => { update(lr?: number): void };
  for (const [args, message] of [[[], /^AdamW: backend is missing: give model\.backend$/], [[api.createBackend('cpu'), []], /^AdamW: config is missing/],
    [[api.createBackend('cpu'), [], { ...adamw, weightDecay: undefined, weight_decay: 0 }], /^AdamW: config\.weight_decay is no option: write config\.weightDecay/],
    [[api.createBackend('cpu'), [], { ...adamw, betas: 0.9 }], /^AdamW: config\.betas is 0\.9: give two numbers/]] as Array<[unknown[], RegExp]>) {
    assert.throws(() => new Loose(...args), (e: unknown) => e instanceof api.UserError && message.test(e.message), `new AdamW(${args.length} arguments)`);
  }
  assert.throws(() => new Loose(api.createBackend('cpu'), [], adamw).update(), (e: unknown) => e instanceof api.UserError && /^AdamW\.update: lr is missing/.test(e.message));
  for (const open of [() => (api.SafetensorsFile.open as (f?: unknown) => unknown)(), () => (api.SafetensorsCheckpoint.open as (d?: unknown) => unknown)()]) {
    assert.throws(open, (e: unknown) => e instanceof api.UserError && /^Safetensors(File|Checkpoint)\.open: (file|the model folder) is missing/.test(e.message));
  }
  assert.throws(() => new api.DataLoader([], {} as api.LoaderOptions), (e: unknown) => e instanceof api.UserError && /^DataLoader: options\.batchSize is missing/.test(e.message));
  assert.throws(() => api.validateTrainConfig({}), (e: unknown) => e instanceof api.UserError && /^config: /.test(e.message), 'validateTrainConfig(object) names no file');
  for (const [fn, args, message] of calls) {
    await assert.rejects(async () => loose[fn]!(...args), (e: unknown) => e instanceof api.UserError && message.test(e.message), `${fn}(${JSON.stringify(args).slice(1, -1)})`);
  }
});

test('a path given as "" is one UserError naming the function and the argument, as the CLI refuses an empty path flag', async () => {
  // were: "not a run directory: config.yaml not found", "tokenizer folder not found", "file not found", "… is required",
  // the current folder read as the model (readGenerationConfig), without the function or the argument
  const loose = api as unknown as Record<string, (...a: unknown[]) => unknown>;
  const tok = api.loadTokenizer(TINY_BASE);
  const calls: Array<[string, unknown[], string]> = [
    ['exportRun', [{ run: '', out: 'x' }], 'exportRun: options.run is "", which names no folder: give the run folder train wrote'],
    ['exportRun', [{ run: TINY_BASE, out: '' }], 'exportRun: options.out is "", which names no folder: give the folder to write'],
    ['resolveEvalTarget', [{ model: '' }], 'resolveEvalTarget: options.model is "", which names no folder: give a Hugging Face model folder'],
    ['resolveEvalTarget', [{ run: '' }], 'resolveEvalTarget: options.run is "", which names no folder: give the run folder train wrote'],
    ['loadTokenizer', [''], 'loadTokenizer: the tokenizer folder is "", which names no path: give a folder with tokenizer.json (or the file itself), or nothing for the bundled tokenizer'],
    ['prepare', [{ inputs: [''], outDir: 'o', tokenizer: tok }], 'prepare: options.inputs[0] is "", which names no path: give a data file or folder'],
    ['prepare', [{ inputs: ['a.jsonl'], val: [''], outDir: 'o', tokenizer: tok }], 'prepare: options.val[0] is "", which names no path: give a data file or folder'],
    ['prepare', [{ inputs: ['a.jsonl'], outDir: '', tokenizer: tok }], 'prepare: options.outDir is "", which names no folder: give the folder to write train/val/test.jsonl in'],
    // val and test null are left out, as before needPath (not "options.val is null")
    ['prepare', [{ inputs: ['a.jsonl'], val: null, test: null, outDir: '', tokenizer: tok }], 'prepare: options.outDir is "", which names no folder: give the folder to write train/val/test.jsonl in'],
    ['readPromptFile', [''], 'readPromptFile: file is "", which names no file: give the path of a JSON file of messages'],
    ['readMessagesFile', [''], 'readMessagesFile: file is "", which names no file: give the path of a JSON file of messages'],
    ['loadConfig', [''], 'loadConfig: the model folder is "", which names no folder: give the path of a Hugging Face model folder'],
    ['loadModel', [''], 'loadModel: the model folder is "", which names no folder: give the path of a Hugging Face model folder'],
    ['readGenerationConfig', [''], 'readGenerationConfig: the model folder is "", which names no folder: give the path of a Hugging Face model folder'],
    ['readAdapterInfo', [''], 'readAdapterInfo: the adapter folder is "", which names no folder: give a PEFT adapter folder'],
    ['loadTrainConfig', [''], 'loadTrainConfig: file is "", which names no file: give the path of a YAML config (or null for overrides alone)'],
    ['loadTokenRows', [''], 'loadTokenRows: file is "", which names no file: give the path of a .jsonl file'],
    ['exportMergedAdapter', [{ adapter: '', out: 'x' }], 'exportMergedAdapter: options.adapter is "", which names no folder: give the PEFT adapter folder to merge'],
    ['exportGgufFile', [{ model: '', out: 'x.gguf' }], 'exportGgufFile: options.model is "", which names no folder: give a Hugging Face model folder'],
    ['exportGgufFile', [{ run: TINY_BASE, out: '' }], 'exportGgufFile: options.out is "", which names no file: give the path of the .gguf file to write'],
  ];
  for (const [fn, args, message] of calls) {
    await assert.rejects(async () => loose[fn]!(...args), (e: unknown) => e instanceof api.UserError && e.message === message, `${fn}(${JSON.stringify(args.map((a) => a === tok ? 'tok' : a)).slice(1, -1)})`);
  }
  assert.throws(() => api.SafetensorsFile.open(''), (e: unknown) => e instanceof api.UserError && e.message === 'SafetensorsFile.open: file is "", which names no file: give the path of a .safetensors file');
});

test('a model argument that is no model (a tokenizer, a folder\'s path), a model without the LoRA adapter the call needs and an empty prompt are each one UserError naming the function and the argument', async () => {
  // were: "Cannot read properties of undefined (reading 'vocabSize')" and other TypeErrors from inside, and plain Errors
  const loose = api as unknown as Record<string, (...a: unknown[]) => unknown>;
  const model = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  const tok = api.loadTokenizer(api.BUNDLED_TOKENIZER_DIR);
  const out = path.join(tempDir('mt-index-model-'), 'out');
  const calls: Array<[string, unknown[], string]> = [
    ['generate', [model, [], { maxNewTokens: 2 }], 'generate: prompt is empty: give at least one token id, e.g. [tok.bosId, ...tok.encode(text)] (encode adds no BOS)'],
    ['generate', [tok, [1], { maxNewTokens: 2 }], 'generate: model is a tokenizer: give loadModel(folder, {backend})'],
    ['generate', ['models/mistral-7b', [1], { maxNewTokens: 2 }], 'generate: model is "models/mistral-7b": give loadModel(folder, {backend})'],
    ['evaluateLoss', [tok, [{ inputIds: [1, 2] }], { batchSize: 1 }], 'evaluateLoss: model is a tokenizer: give loadModel(folder, {backend})'],
    ['evaluateClassification', [tok, [], 1], 'evaluateClassification: model is a tokenizer: give loadModel(folder, {backend})'],
    // a single row was a TypeError ("rows is not iterable"); a file given for the folder mkdir's EEXIST, a plain Error
    ['evaluateLoss', [model, { inputIds: [1, 2] }, { batchSize: 1 }], 'evaluateLoss: rows is an object: give a list of token rows, as loadTokenRows(file).rows holds them'],
    ['saveModelFolder', [model, TINY_BASE + '/config.json', { sourceDir: null, head: 'causal' }], `saveModelFolder: the output folder ${JSON.stringify(TINY_BASE + '/config.json')} is a file: give the folder to write`],
    ['createAdapter', [tok, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }], 'createAdapter: model is a tokenizer: give loadModel(folder, {backend})'],
    ['loadAdapter', [{ cfg: {} }, path.join(TINY, 'adapter_init'), { trainable: false }], 'loadAdapter: model is an object that is no model: give loadModel(folder, {backend})'],
    ['saveModelFolder', [tok, out, { sourceDir: null, head: 'causal' }], 'saveModelFolder: model is a tokenizer: give loadModel(folder, {backend})'],
    ['causalLmBackward', [tok, {}, 1], 'causalLmBackward: model is a tokenizer: give loadModel(folder, {backend})'],
    ['causalLmBackward', [model], 'causalLmBackward: batch is missing: give collate(rows, padId, scorePadId)'],
    // a batch that is none (an object, a row) was a TypeError inside or a buffer overflow, and a gradScale left out NaN gradients
    ['causalLmBackward', [model, {}, 1], 'causalLmBackward: batch has no B and T (its rows and their length): give collate(rows, padId, scorePadId)'],
    ['causalLmBackward', [model, { B: 1, T: 2, inputIds: [1, 2] }, 1], 'causalLmBackward: batch.inputIds is not an Int32Array of B·T = 2 entries: give collate(rows, padId, scorePadId)'],
    ['causalLmBackward', [model, api.collate([{ inputIds: [1, 2] }], 0, 0)], "causalLmBackward: gradScale is missing: give a finite number, the loss's weight in the step's gradient (1 / the step's target tokens, or rows for classification)"],
    ['classificationBackward', [model, api.collate([{ inputIds: [1, 2], label: 0 }], 0, 0), Number.NaN], "classificationBackward: gradScale is NaN: give a finite number, the loss's weight in the step's gradient (1 / the step's target tokens, or rows for classification)"],
    // was "the prompt: input_ids[1] = 99999 …", naming no function
    ['generate', [model, [1, 99999], { maxNewTokens: 1 }], "generate: prompt[1] is 99999: give token ids in [0, 512) (the model's vocab_size)"],
    ['mergeLora', [tok], 'mergeLora: model is a tokenizer: give a model with a LoRA adapter loaded (loadAdapter)'],
    ['mergeLora', [model], 'mergeLora: model has no LoRA adapter: load one first (loadAdapter(model, folder, {trainable: false}), or createAdapter)'],
    ['saveAdapter', [model, out, { taskType: 'CAUSAL_LM', baseModel: null }], 'saveAdapter: model has no LoRA adapter: load one first (loadAdapter(model, folder, {trainable: false}), or createAdapter)'],
  ];
  // and the other way round: a model folder saved from a model with its adapter unmerged held the base weights alone
  const adapted = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  api.loadAdapter(adapted, path.join(TINY, 'adapter_step1'), { trainable: false });
  calls.push(['saveModelFolder', [adapted, out, { sourceDir: TINY_BASE, head: 'causal' }], "saveModelFolder: model has a LoRA adapter attached, which a model folder does not hold (its weights would be the base's alone): " +
    'mergeLora(model) first to save the merged model, or saveAdapter(model, folder, …) to save the adapter']);
  // a classifier's class names not one per row of its head: a folder transformers refuses (score size mismatch), or a lossy label2id
  const classifier = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  api.loadAdapter(classifier, path.join(TINY_CLS, 'adapter_init'), { trainable: false }); // a head of 3 classes
  // were plain Errors ("classification needs a class label for every row", "class label 7 is outside [0, 3)")
  calls.push(['classificationBackward', [classifier, api.collate([{ inputIds: [1, 2] }], 0, 0), 1],
    'classificationBackward: batch.classLabels is null: every row needs a class label (collate rows {inputIds, label})']);
  calls.push(['classificationBackward', [classifier, api.collate([{ inputIds: [1, 2], label: 0 }, { inputIds: [1, 2], label: 7 }], 0, 0), 1],
    "classificationBackward: batch.classLabels[1] (row 1) is 7: give a class index in [0, 3) (the model's classification head scores 3 classes)"]);
  calls.push(['saveAdapter', [classifier, out, { taskType: 'SEQ_CLS', baseModel: null, labels: ['a', 'a', 'b'] }], 'saveAdapter: options.labels names "a" twice: give each class its own name (label2id maps a name to one class)']);
  calls.push(['saveAdapter', [classifier, out, { taskType: 'SEQ_CLS', baseModel: null, labels: ['a'] }], "saveAdapter: options.labels has 1 name(s) but the model's classification head scores 3 classes: give one name per class, in the head's order"]);
  const merged = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  api.loadAdapter(merged, path.join(TINY_CLS, 'adapter_init'), { trainable: false });
  api.mergeLora(merged);
  calls.push(['saveModelFolder', [merged, out, { sourceDir: null, head: 'classification', labels: ['a'] }], "saveModelFolder: options.labels has 1 name(s) but the model's classification head scores 3 classes: give one name per class, in the head's order"]);
  for (const [fn, args, message] of calls) {
    await assert.rejects(async () => loose[fn]!(...args), (e: unknown) => e instanceof api.UserError && e.message === message, `${fn}: ${message}`);
  }
  assert.ok(!fs.existsSync(out), 'nothing written');
});

test('library options outside their set, misspelt or ill-typed are refused naming them, not taken as the default (loadTokenRows trainOn, overflow, task, maxSeqLen; loadModel precision, dtype; loadAdapter, createAdapter, generate, evaluateClassification)', async () => {
  const loose = api as unknown as Record<string, (...a: unknown[]) => unknown>;
  const file = path.join(tempDir('mt-index-rows-'), 'a.jsonl');
  fs.writeFileSync(file, '{"text": "hello there"}\n');
  const calls: Array<[string, unknown[], string]> = [
    // was: trainOn 'assistant_only' read as 'assistant', overflow 'drop_long' as 'truncate', task 'classify' as generation, maxSeqLen '64' compared as text
    ['loadTokenRows', [file, { trainOn: 'assistant_only' }], 'loadTokenRows: options.trainOn is "assistant_only": give one of "assistant", "all"'],
    ['loadTokenRows', [file, { overflow: 'drop_long', maxSeqLen: 4 }], 'loadTokenRows: options.overflow is "drop_long": give one of "truncate", "drop"'],
    ['loadTokenRows', [file, { task: 'classify' }], 'loadTokenRows: options.task is "classify": give one of "generation", "classification"'],
    ['loadTokenRows', [file, { maxSeqLen: '64' }], 'loadTokenRows: options.maxSeqLen is "64": give an integer ≥ 1'],
    // was: 'fp16' loaded as fp32
    ['loadModel', [TINY_BASE, { backend: {}, precision: 'fp16' }], 'loadModel: options.precision: "fp16" is not one of auto, fp32, bf16'],
    // were: a misspelt precision loaded f32, dtype 'fp16' a plain Error, PEFT's is_trainable loaded the adapter frozen, a dropout of 2 or
    // '0.1' trained with it, createAdapter's trainable 'false' and spec.use_dora let be, eosIds ['2'] stopped at nothing, numLayers 1.5
    // a TypeError, evaluateClassification's batchSize {batchSize: 8} (evaluateLoss's form) or 0 one batch of every row
    ['loadModel', [TINY_BASE, { backend: {}, precison: 'bf16' }], 'loadModel: options.precison is no option: did you mean options.precision?'],
    ['loadModel', [TINY_BASE, { backend: {}, dtype: 'fp16' }], 'loadModel: options.dtype is "fp16": give one of "f32", "bf16", "f64" (or options.precision: \'auto\', \'fp32\', \'bf16\')'],
    ['loadAdapter', [{}, 'a', { is_trainable: true }], "loadAdapter: options.is_trainable is no option: write options.trainable (PEFT's is_trainable)"],
    ['loadAdapter', [{}, 'a', { trainable: true, dropout: 2 }], "loadAdapter: options.dropout is 2: give a number in [0, 1) (the adapter's own lora_dropout where left out)"],
    ['createAdapter', [{}, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false }, 0, 'false'], 'createAdapter: trainable (fourth argument) is "false": give true or false'],
    ['createAdapter', [{}, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false, use_dora: true }], "createAdapter: spec.use_dora is no option: write spec.useDora (use_dora is transformers' spelling)"],
    ['readAdapterInfo', ['a', 1.5], "readAdapterInfo: numLayers is 1.5: give the base model's layer count, an integer ≥ 1 (its config's numLayers)"],
    ['generate', [{}, [1], { maxNewTokens: 1, eosIds: ['2'] }], 'generate: options.eosIds is ["2"]: give a list of token ids (integers), e.g. [2]'],
    ['evaluateClassification', [{}, [], { batchSize: 8 }], 'evaluateClassification: batchSize is an object: give the rows per batch, an integer ≥ 1 (the third argument, a number)'],
    // one rule and one wording for both (needInteger; evaluateLoss's was "options.batchSize must be an integer ≥ 1, got 0")
    ['evaluateClassification', [{}, [], 0], 'evaluateClassification: batchSize is 0: give the rows per batch, an integer ≥ 1 (the third argument, a number)'],
    ['evaluateLoss', [{}, [], { batchSize: 0 }], 'evaluateLoss: options.batchSize is 0: give the rows per batch, an integer ≥ 1'],
    ['evaluateLoss', [{}, [], { batchSize: '8' }], 'evaluateLoss: options.batchSize is "8": give the rows per batch, an integer ≥ 1'],
  ];
  for (const [fn, args, message] of calls) {
    await assert.rejects(async () => loose[fn]!(...args), (e: unknown) => e instanceof api.UserError && e.message === message, `${fn}(${JSON.stringify(args).slice(1, -1)})`);
  }
});

test("evaluateLoss given rows without inputIds (a JSONL line's {input_ids}) says so in one UserError, as evaluateClassification, which batches rows alike (was: TypeError reading 'length')", () => {
  const model = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  const bad = [{ input_ids: [1, 2, 3] }] as unknown as api.TokenRow[];
  const says = (e: unknown) => e instanceof api.UserError && e.message === "rows[0] has no inputIds: give token rows {inputIds, labels?}, as loadTokenRows(file).rows holds them (input_ids is a JSONL file's key, not a row's)";
  assert.throws(() => api.evaluateLoss(model, bad, { batchSize: 1 }), says);
  assert.throws(() => api.evaluateLoss(model, [{ inputIds: [1, 2, 3] } as unknown as api.TokenRow, bad[0]!], { batchSize: 2 }), (e) => e instanceof api.UserError && e.message.startsWith('rows[1] has no inputIds'));
  assert.equal(api.evaluateLoss(model, [{ inputIds: Int32Array.from([1, 2, 3]) }], { batchSize: 1 }).tokens, 2);
});

test('exportGgufFile, the CLI\'s GGUF export, is in the library: a LoRA adapter alone as a GGUF adapter file', () => {
  const out = path.join(tempDir('mt-index-gguf-'), 'sub', 'adapter.gguf');
  const r = api.exportGgufFile({ model: TINY_BASE, adapter: path.join(TINY, 'adapter_init'), out, format: 'gguf-lora' });
  assert.equal(r.file, out);
  assert.equal(r.quant, 'f16');
  assert.equal(r.baseModel, TINY_BASE);
  assert.equal(fs.statSync(out).size, r.bytes);
  assert.equal(fs.readFileSync(out).subarray(0, 4).toString('latin1'), 'GGUF');
});

// createAdapter took an Rng, which the library did not export: a caller could not create an adapter at all.
test('createAdapter takes a seed (or an exported Rng): the same seed, the same adapter', () => {
  const model = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  const spec: api.LoraSpec = { r: 2, alpha: 4, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: false };
  const factor = (a: api.LoraAdapter): number[] => Array.from(model.backend.download(a.layers[0]!.q_proj!.A));
  // a second adapter on the model is refused (adapter-replace.test.ts): each after unloading the one before
  const seeded = factor(api.createAdapter(model, spec, 7));
  api.unloadAdapter(model);
  assert.deepEqual(factor(api.createAdapter(model, spec, new api.Rng(7))), seeded);
  api.unloadAdapter(model);
  assert.notDeepEqual(factor(api.createAdapter(model, spec, 8)), seeded);
  assert.equal(model.lora?.layers[0]?.q_proj?.dA, null, 'not trainable unless asked');
});

// createAdapter's trainable defaults to false, as PEFT's PeftModel.from_pretrained(is_trainable=False) does; loadAdapter,
// the call of every inference with an adapter, wanted an options object all the same (a UserError without one).
test('loadAdapter(model, folder) loads the adapter frozen, as PeftModel.from_pretrained does by default', () => {
  const model = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  const info = api.loadAdapter(model, path.join(TINY, 'adapter_init'));
  assert.equal(info.taskType, 'CAUSAL_LM');
  assert.equal(model.lora?.layers[0]?.q_proj?.dA, null, 'not trainable unless asked');
  api.unloadAdapter(model);
  api.loadAdapter(model, path.join(TINY, 'adapter_init'), { dropout: 0 });
  assert.equal(model.lora?.layers[0]?.q_proj?.dA, null);
});

// wasm-kernels.ts declared a global WebAssembly namespace, which its dist/*.d.ts shipped: a user's project with the
// default lib (DOM's WebAssembly) and skipLibCheck: false failed to compile on "Duplicate identifier 'Module'".
test('no module of src/ declares globals, which the package\'s .d.ts files would carry into a user\'s program', () => {
  const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const files = (fs.readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  assert.deepEqual(files.filter((f) => /^\s*declare global\b/m.test(fs.readFileSync(path.join(src, f), 'utf8'))), []);
});

// transformers' spellings were ignored without a word: {top_p: 0.9} generated greedily, {add_generation_prompt: true}
// rendered no generation prompt, {skip_special_tokens: false} still skipped them.
test('an option spelled as transformers spells it (or mistyped) is refused naming the option to write', () => {
  const model = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  const tok = api.loadTokenizer(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'models', 'mistral-tune-tiny'));
  const says = (message: string) => (e: unknown) => e instanceof api.UserError && e.message === message;
  const loose = <T>(o: object) => o as T;
  assert.throws(() => api.generate(model, [1, 2], loose({ maxNewTokens: 2, top_p: 0.9 })), says("generate: options.top_p is no option: write options.topP (top_p is transformers' spelling)"));
  assert.throws(() => api.generate(model, [1, 2], loose({ maxNewTokens: 2, temprature: 0.7 })), says('generate: options.temprature is no option: did you mean options.temperature?'));
  assert.throws(() => api.generate(model, [1, 2], loose({ maxNewTokens: 2, do_sample: true })), says('generate: options.do_sample is no option: give options.temperature > 0 to sample (0, the default, is greedy)'));
  assert.throws(() => tok.applyChatTemplate([{ role: 'user', content: 'x' }], loose({ add_generation_prompt: true })), says("applyChatTemplate: options.add_generation_prompt is no option: write options.addGenerationPrompt (add_generation_prompt is transformers' spelling)"));
  assert.throws(() => tok.decode([1, 2], loose({ skip_special_tokens: false })), says("decode: options.skip_special_tokens is no option: write options.skipSpecialTokens (skip_special_tokens is transformers' spelling)"));
  // a key that spells no option is let be (a spread of generationSettings(...) carries fromFile)
  assert.equal(api.generate(model, [1, 2], loose({ maxNewTokens: 1, fromFile: [] })).length, 1);
  // an option of the wrong type: temperature '0.7' passed its range check as a number would, eosIds 2 and onToken 'x'
  // failed on a TypeError inside, one message given whole was read as a list
  assert.throws(() => api.generate(model, [1, 2], loose({ maxNewTokens: 2, temperature: '0.7' })), says('generate: options.temperature is "0.7": give a number'));
  assert.throws(() => api.generate(model, [1, 2], loose({ maxNewTokens: 2, eosIds: 2 })), says('generate: options.eosIds is 2: give a list of token ids, e.g. [2]'));
  assert.throws(() => api.generate(model, [1, 2], loose({ maxNewTokens: 2, onToken: 'x' })), says('generate: options.onToken is "x": give a function (id) => void'));
  assert.throws(() => tok.applyChatTemplate(loose({ role: 'user', content: 'x' })), (e: unknown) => e instanceof api.UserError &&
    e.message.startsWith('applyChatTemplate: messages is an object: give a list of messages'));
});

test("lrAtStep's and AdamW's argument types are the library's (npm run typecheck fails where they are not exported)", () => {
  const type: ScheduleType = 'warmup_stable_decay';
  const kwargs: ScheduleKwargs = { num_decay_steps: 2, decay_type: 'linear' };
  const schedule: Schedule = { type, warmupSteps: 0, totalSteps: 4, kwargs };
  assert.deepEqual([1, 2, 3, 4].map((k) => api.lrAtStep(schedule, 1, k)), [1, 1, 1, 0.5]);
  const config: AdamWConfig = { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 };
  assert.equal(config.betas.length, 2);
});

// ChatRole was 'system' | 'user' | 'assistant', though a tool's result (role "tool", OpenAI's form) is read by prepare
// and readPromptFile and rendered by applyChatTemplate: a program typing its chat's roles with it could not write one.
test('ChatRole names every role a chat may hold, a tool result\'s "tool" too; a ChatMessage (readMessagesFile\'s, text turns) the other three', () => {
  // a Record over the type: the test build's tsc refuses a role the type lacks, or one it has that is not listed
  const said: Record<api.ChatRole, true> = { system: true, user: true, assistant: true, tool: true };
  const text: Record<api.TextRole, true> = { system: true, user: true, assistant: true };
  const dir = tempDir('mt-index-roles-');
  const file = path.join(dir, 'chat.json');
  fs.writeFileSync(file, JSON.stringify([
    { role: 'System', content: 'Be brief.' }, { role: 'user', content: 'Weather in Oslo?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call1', type: 'function', function: { name: 'weather', arguments: { city: 'Oslo' } } }] },
    { role: 'tool', tool_call_id: 'call1', content: '3 C' }, { role: 'developer', content: 'x' },
  ]));
  const roles = api.readPromptFile(file).messages.map((m) => m.role);
  assert.deepEqual(roles, ['system', 'user', 'assistant', 'tool', 'system']);
  for (const role of roles) assert.ok(Object.hasOwn(said, role), `readPromptFile gave role ${role}, which ChatRole does not name`);
  // a chat record's turns (DataRecord, tokenizeRecord's input) take the same roles
  const turns: Array<{ role: api.ChatRole }> = [{ role: 'tool' }];
  const record: api.DataRecord = { shape: 'chat', messages: turns.map((t) => ({ ...t, content: '3 C', tool_call_id: 'call1' })) };
  assert.equal(record.shape, 'chat');
  const message: api.ChatMessage = { role: 'user', content: 'Hi' };
  assert.ok(Object.hasOwn(text, message.role) && !Object.hasOwn(text, 'tool'));
});

// each was ignored without a word: exportRun({merged: true}) exported the adapter alone, train(cfg, {resum: true}) trained anew,
// prepare({minToken: 5}) kept every record, evaluateLoss({batch_size: 8}) said batchSize is missing
test('a misspelt option of prepare, train, evaluateLoss, exportRun, exportMergedAdapter or exportGgufFile is refused naming the one to write', () => {
  const says = (message: string) => (e: unknown) => e instanceof api.UserError && e.message === message;
  const loose = <T>(o: object) => o as T;
  const model = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  assert.throws(() => api.exportRun(loose({ run: 'r', out: 'o', merged: true })), says('exportRun: options.merged is no option: did you mean options.merge?'));
  assert.throws(() => api.exportMergedAdapter(loose({ adapter: 'a', out: 'o', maxShardByte: 1 })), says('exportMergedAdapter: options.maxShardByte is no option: did you mean options.maxShardBytes?'));
  assert.throws(() => api.exportGgufFile(loose({ run: 'r', out: 'o.gguf', quants: 'q8_0' })), says('exportGgufFile: options.quants is no option: did you mean options.quant?'));
  assert.throws(() => api.evaluateLoss(model, [], loose({ batch_size: 8 })), says("evaluateLoss: options.batch_size is no option: write options.batchSize (batch_size is transformers' spelling)"));
  assert.throws(() => api.prepare(loose({ inputs: ['x.jsonl'], out: 'o' })), says('prepare: options.out is no option: write options.outDir'));
  assert.throws(() => api.prepare(loose({ inputs: ['x.jsonl'], outDir: 'o', minToken: 5 })), says('prepare: options.minToken is no option: did you mean options.minTokens?'));
  const cfg = api.validateTrainConfig({ model: TINY_BASE, data: { train: 'nowhere.jsonl' }, output_dir: 'nowhere' });
  assert.throws(() => api.train(cfg, loose({ resum: true })), says('train: options.resum is no option: did you mean options.resume?'));
});

// each named no function (or was let be): createBackend('gpu') "unknown device", evaluateClassification of a causal LM
// "this model has no classification head ... setScoreHead", setQuiet('yes') quieted the log, and resolveEvalTarget's
// {bets: true} (two letters swapped: two edits by Levenshtein's count, too far from "best") evaluated the last step's weights
test('createBackend, evaluateClassification, setQuiet and resolveEvalTarget refuse a bad argument naming themselves; a swapped pair of letters is a misspelling', () => {
  const says = (message: string) => (e: unknown) => e instanceof api.UserError && e.message === message;
  const loose = <T>(o: unknown) => o as T;
  assert.throws(() => api.createBackend(loose('gpu')), says('createBackend: device is "gpu": give one of "cpu", "cuda", "auto"'));
  const model = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  assert.throws(() => api.evaluateClassification(model, [{ inputIds: [1, 2], label: 0 }], 1),
    says('evaluateClassification: model has no classification head (score.weight): it is a causal LM; give a classification model (a folder whose weights hold score.weight, or one with a SEQ_CLS adapter loaded)'));
  assert.throws(() => api.setQuiet(loose('yes')), says('setQuiet: quiet is "yes": give true or false'));
  assert.equal(isQuiet(), false);
  assert.throws(() => api.resolveEvalTarget(loose({ model: TINY_BASE, bets: true })), says('resolveEvalTarget: options.bets is no option: did you mean options.best?'));
  assert.equal(api.resolveEvalTarget({ model: TINY_BASE }).model, TINY_BASE);
});
