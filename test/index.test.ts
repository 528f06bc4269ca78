// The library API of the README works as written: load, evaluate, generate, through src/index.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.ts';
import { readFixture, TINY, TINY_BASE } from './helpers.ts';

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
  'TokenizedRecord', 'EvaluateOptions', 'LossReport', 'ClassificationReport', 'ClassificationMetrics', 'ExportOptions',
  'ExportResult', 'DashboardOptions', 'Dashboard', 'TrainOptions', 'TrainResult', 'LoaderOptions', 'LoadTokenizerOptions',
  'AdapterInfo', 'SaveAdapterOptions', 'SaveModelOptions', 'Precision'] as const;
type Uses = [api.PrepareOptions, api.PrepareResult, api.LoadRowsOptions, api.LoadedRows, api.DataRecord, api.TokenizeOptions,
  api.TokenizedRecord, api.EvaluateOptions, api.LossReport, api.ClassificationReport, api.ClassificationMetrics, api.ExportOptions,
  api.ExportResult, api.DashboardOptions, api.Dashboard, api.TrainOptions, api.TrainResult, api.LoaderOptions, api.LoadTokenizerOptions,
  api.AdapterInfo, api.SaveAdapterOptions, api.SaveModelOptions, api.Precision];

test('the option and result types of the library functions are exported by name', () => {
  const index = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.ts'), 'utf8');
  const exported = new Set([...index.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap((m) => m[1]!.split(',').map((n) => n.trim().replace(/^type /, ''))));
  assert.deepEqual(PUBLIC_TYPES.filter((t) => !exported.has(t)), []);
  const uses: Uses | null = null; // compiles only when every name resolves
  assert.equal(uses, null);
});

test('setQuiet is exported, so a library caller can silence the info lines (the README says what they are)', () => {
  assert.equal(typeof api.setQuiet, 'function');
});
