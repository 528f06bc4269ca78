// The package as a user gets it: `npm pack` (of the dist/ that npm test's pretest built), then
// `npm install <tarball>` into an empty folder. The library's README example and the bin run there with
// plain Node, a strict TypeScript program compiles against the installed .d.ts files (with this checkout's tsc),
// and no TypeScript loader is installed. npm fetches the dependencies from its cache or the registry (a few
// seconds once the cache is warm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TINY = path.join(ROOT, 'test', 'fixtures', 'hf-tiny-mistral');
const meta = JSON.parse(fs.readFileSync(path.join(TINY, 'meta.json'), 'utf8')) as { base_loss: number };

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('npm pack + npm install <tarball>: the library and the bin run with plain Node', () => {
  const dir = tempDir('mt-pack-');
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // --ignore-scripts: pack the dist/ already built; rebuilding here would pull it from under other tests
  const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  assert.equal(pack.status, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = info!.files.map((f) => f.path);
  assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts'), 'dist/ is in the package');
  assert.ok(files.includes('dist/backend/cpu/wasm/kernels.wasm') && files.includes('dist/dashboard/assets/index.html'), 'run-time assets are next to the code');
  assert.deepEqual(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), [], 'no TypeScript sources');

  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name": "app", "private": true, "type": "module"}\n');
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(dir, info!.filename)], app);
  assert.equal(install.status, 0, install.stderr);
  assert.equal(fs.existsSync(path.join(app, 'node_modules', 'tsx')), false, 'tsx is not a run-time dependency');

  // the README's library example, as a user's plain .js file
  fs.writeFileSync(path.join(app, 'example.js'), [
    "import { createBackend, loadModel, evaluateLoss } from 'mistral-tune';",
    `const model = loadModel(${JSON.stringify(path.join(TINY, 'base'))}, { backend: createBackend('cpu') });`,
    'console.log(evaluateLoss(model, [{ inputIds: [1, 496, 430, 186, 81] }], { batchSize: 1 }).tokens);',
  ].join('\n'));
  const lib = run(process.execPath, ['example.js'], app);
  assert.equal(lib.status, 0, lib.stderr);
  assert.equal(lib.stdout.trim(), '4');

  // the README's line on the example config where the package is installed: there, overridden paths are the app's
  const keys = ['model', 'data.train', 'data.val', 'data.test', 'output_dir'];
  fs.writeFileSync(path.join(app, 'config.js'), [
    "import { loadTrainConfig } from 'mistral-tune';",
    `const c = loadTrainConfig('node_modules/mistral-tune/examples/train-lora.yaml', ${JSON.stringify(keys.map((k) => [k, `mine/${k}`]))});`,
    'console.log(JSON.stringify([c.model, c.data.train, c.data.val, c.data.test, c.output_dir]));',
  ].join('\n'));
  const config = run(process.execPath, ['config.js'], app);
  assert.equal(config.status, 0, config.stderr);
  assert.deepEqual(JSON.parse(config.stdout) as string[], keys.map((k) => path.join(fs.realpathSync(app), 'mine', k)));
  // a tool reads the installed package's manifest by its name (ERR_PACKAGE_PATH_NOT_EXPORTED before)
  const manifest = run(process.execPath, ['-e', "console.log(require('mistral-tune/package.json').name)"], app);
  assert.equal(manifest.status, 0, manifest.stderr);
  assert.equal(manifest.stdout.trim(), 'mistral-tune');

  // a strict TypeScript user of the installed .d.ts files (no skipLibCheck): the types a program declares its own
  // values with, and the errors it catches by class, are there by name and compile
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true,
      noEmit: true, typeRoots: [path.join(ROOT, 'node_modules', '@types')], types: ['node'] },
    include: ['typed.ts'],
  }));
  fs.writeFileSync(path.join(app, 'typed.ts'), [
    "import { CudaError, lrAtStep, UserError, type ChatRole, type ExportResult, type LossReport, type PrepareOptions, type Schedule, type Task, type TrainConfig } from 'mistral-tune';",
    "export const role: ChatRole = 'tool';",
    "const schedule: Schedule = { type: 'cosine', warmupSteps: 2, totalSteps: 10, kwargs: { num_cycles: 0.5 } };",
    'export const lr: number = lrAtStep(schedule, 1e-3, 3);',
    "export const task: Task = 'generation';",
    "export const what = (e: unknown): string => (e instanceof UserError ? e.message : e instanceof CudaError ? `${e.call}: ${e.status}` : 'a bug');",
    'export type Declared = [TrainConfig, PrepareOptions, LossReport, ExportResult];',
  ].join('\n'));
  const tsc = run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

  const bin = path.join(app, 'node_modules', '.bin', 'mistral-tune');
  const help = run(bin, ['--help'], app);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: mistral-tune <command>/);
  const evaluated = run(bin, ['eval', '--model', path.join(TINY, 'base'), '--data', path.join(app, 'node_modules', 'mistral-tune', 'examples', 'tiny-eval.jsonl'), '--json'], app);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const { loss } = JSON.parse(evaluated.stdout) as { loss: number };
  assert.ok(Math.abs(loss - meta.base_loss) / meta.base_loss <= 1e-4, `loss ${loss} vs HF ${meta.base_loss}`);
});
