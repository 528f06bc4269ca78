// A usage error, --help or --version loads a command's flags module (src/cli/*-flags.ts), not its work: `eval --bogus`
// imported eval.ts whole (the backends, the model, the tokenizer, zod, yaml: ~190 modules, ~0.35 CPU-s) before its
// flags were parsed, and so did every flag mistake of every command. What this process loads while main() answers each
// case is recorded by a module loader hook; the cases run in-process, one after another, so a heavy module is caught at
// the first case that loads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { cli } from './in-process-cli.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DATA = path.join(ROOT, 'examples', 'tiny-eval.jsonl');

/** Posts the URL of every module loaded from here on (the hooks run on a thread of their own). */
const HOOK = `data:text/javascript,${encodeURIComponent(`
let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`)}`;

/**
 * A loaded module as its path under src/ without extension ('model/mistral'), whether tsx runs the source or npm test
 * the compiled copy (.test-build/src is dist/); a package's file as its path; else the URL.
 */
function moduleName(url: string): string {
  if (!url.startsWith('file:')) return url;
  const rel = path.relative(ROOT, fileURLToPath(url)).split(path.sep).join('/');
  return /^(?:src|dist|\.test-build\/src)\/(.*)\.[jt]s$/.exec(rel)?.[1] ?? rel;
}

/**
 * Leaves in those folders that a flag check may read: the precision names, the chat roles and the names a chat's
 * template variables may not take (prepare's record fields reach them), and the checks of generate's settings
 * (generation_config.json's keys, which its flags share).
 */
const LEAVES = new Set(['backend/dtype', 'tokenizer/types', 'tokenizer/template-kwargs', 'model/generation-key-checks', 'model/token-id-list']);

/** What a flag check never needs: the compute backends, the model, the tokenizer, the config schema (zod), YAML. */
function heavy(name: string): boolean {
  return (/^(model|tokenizer|backend)\//.test(name) && !LEAVES.has(name)) || /node_modules\/(zod|yaml|@huggingface)\//.test(name);
}

/** The port on which the URL of every module loaded from now on arrives. */
function recordLoads(): MessagePort {
  const { port1, port2 } = new MessageChannel();
  register(HOOK, { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
  return port1;
}

test('each command\'s usage errors, --help, -h and --version load none of its backend, model, tokenizer, zod or yaml modules, nor its work module', async () => {
  const port1 = recordLoads();
  // [argv, exit status, what stderr says]: each case reaches the check it names, not an earlier one
  const cases: Array<[string[], number, RegExp]> = [
    [['eval', '--bogus'], 2, /^error: unknown option --bogus/],
    [['eval', '--data', DATA], 2, /^error: a model folder \(--model\), a run \(--run\) or an adapter folder whose adapter_config.json names its base \(--adapter\) is required/],
    [['eval', '--data', DATA, '--model', 'm', '--batch-size', 'x'], 2, /^error: --batch-size must be a positive integer, got "x"/],
    [['eval', '--data', DATA, '--model', 'm', '--best'], 2, /^error: --best needs --run RUN_DIR/],
    // before: checked on eval's thread after the model folder's checks, so a folder not there was said first
    [['eval', '--data', DATA, '--model', 'no-such-model', '--precision', 'x'], 2, /^error: --precision: "x" is not one of auto, fp32, bf16/],
    [['eval', '--data', DATA, '--model', 'no-such-model', '--device', 'tpu'], 2, /^error: --device must be one of auto, cpu, cuda, got "tpu"\n$/],
    [['generate', '--prompt', 'hi'], 2, /^error: a model folder \(--model\), a run \(--run\) or an adapter folder whose adapter_config.json names its base \(--adapter\) is required/],
    // before: checked on generate's thread after the model folder's checks, so a folder not there was said first
    [['generate', '--model', 'no-such-model', '--prompt', 'hi', '--top-p', '2'], 2, /^error: --top-p must be in \[0, 1\], got "2"\n$/],
    [['generate', '--model', 'no-such-model', '--prompt', 'hi', '--bad-words-ids', '[5]'], 2, /^error: --bad-words-ids must be a non-empty list of non-empty token-id lists/],
    [['generate', '--model', 'no-such-model', '--prompt', 'hi', '--seed', '-1'], 2, /^error: --seed must be an integer ≥ 0, got "-1"\n$/],
    [['generate', '--run', 'r', '--model', 'm'], 2, /^error: give either a run \(--run\) or a model folder \(--model, with --adapter\), not both/],
    [['classify', '--text', 'hi', '--batch-size', '0'], 2, /^error: --batch-size must be a positive integer, got "0"/],
    [['classify', '--text', 'hi', '--precision', 'fp16'], 2, /^error: --precision: "fp16" is not one of/],
    [['classify', '--text', 'hi'], 2, /^error: a model folder \(--model\), a run \(--run\) or an adapter folder whose adapter_config.json names its base \(--adapter\) is required/],
    [['export', '--out', 'x'], 2, /^error: --run is required/],
    [['export', '--run', 'r', '--out', 'x', '--max-shard-size', '1kb'], 2, /^error: --max-shard-size 1kb is too small/],
    [['export', '--format', 'gguf', '--out', 'x.gguf'], 2, /^error: --format gguf: give exactly one of --run or --model/],
    [['prepare', '--out', 'o'], 2, /^error: --input is required/],
    [['prepare', '--input', 'i', '--out', 'o', '--seed', 'x'], 2, /^error: --seed must be an integer ≥ 0, got "x"/],
    // an empty path (an unset variable quoted): was 'error: cannot read input: ENOENT (no such file or folder)', naming nothing
    [['prepare', '--input', 'i', '--val', '', '--out', 'o'], 2, /^error: --val "" names no file: give a data file or folder\n$/],
    [['prepare', '', '--out', 'o'], 2, /^error: an empty input argument \(""\) names no file: give a data file or folder\n$/],
    [['train'], 2, /^error: a config file is required/],
    [['train', '-c', 'c.yaml'], 2, /^error: unknown option -c: train takes the config file itself/],
    [['train', 'c.yaml', '--overwrite=yes'], 2, /^error: --overwrite takes no value/],
    [['train', 'c.yaml', '--json'], 2, /^error: --json goes with --dry-run/],
    // a hyphenated flag is no config key (they are snake_case: the last test here): before, the schema was loaded to say so
    [['train', 'c.yaml', '--dry-runn'], 2, /^error: unknown option --dry-runn: did you mean --dry-run\? train's options are/],
    [['quickstart', '--epochs', 'x'], 2, /^error: --epochs must be a positive integer, got "x"/],
    [['doctor', '--bogus'], 2, /^error: unknown option --bogus/],
    [['dashboard', '--port'], 2, /^error: --port needs a value/],
    // before: the values of dashboard's flags were checked by dashboard.ts, with the server (yaml); export's --quant by its
    // thread, with the GGUF writer, the model and the backend
    [['dashboard', '--port', 'abc'], 2, /^error: --port must be an integer from 0 to 65535/],
    [['dashboard', '--host', ''], 2, /^error: --host needs an address/],
    [['dashboard', '--allow-host', 'box:80'], 2, /^error: --allow-host: "box:80" has a port/],
    [['export', '--format', 'gguf', '--model', 'm', '--out', 'x.gguf', '--quant', 'bogus'], 2, /^error: --quant: "bogus" is not one of f32, f16/],
    [['export', '--format', 'gguf-lora', '--run', 'r', '--out', 'x.gguf', '--quant', 'q5'], 2, /^error: --quant: "q5" is not one of/],
    ...['quickstart', 'prepare', 'train', 'eval', 'generate', 'classify', 'export', 'doctor', 'dashboard'].flatMap((c): Array<[string[], number, RegExp]> =>
      [[[c, '--help'], 0, /^$/], [[c, '-h'], 0, /^$/], [[c, '--version'], 0, /^$/]]),
  ];
  const loadedBy: string[] = [], seen: string[] = [];
  for (const [argv, code, err] of cases) {
    const r = await cli(argv);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, err, argv.join(' '));
    for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) {
      const name = moduleName(m.message as string);
      seen.push(name);
      const first = !loadedBy.some((l) => l.startsWith(`${argv.join(' ')}: `)); // the first such module of each case
      // and not the command's work module (cli/eval, cli/dashboard), which loads the rest (export's on a thread of its own)
      if ((heavy(name) || name === `cli/${argv[0]}`) && first) loadedBy.push(`${argv.join(' ')}: ${name}`);
    }
  }
  port1.close();
  assert.ok(seen.includes('cli/args'), 'the hook records what is loaded'); // loaded by the first case
  assert.deepEqual(loadedBy, []);
});

test('train CONFIG --bogus (no value) loads the config schema (zod) and its advice (yaml) to tell an unknown flag from a key missing its value, but no model module', async () => {
  // before: the schema took PROJECTIONS from model/weights, which loaded 9 model modules (weights, safetensors, the
  // config reader, ...) on the way to this one-line error; PROJECTIONS is names.ts's, which imports nothing. Runs after the
  // test above, whose cases load none of these modules, so each is seen here when it loads.
  const port = recordLoads();
  const r = await cli(['train', 'c.yaml', '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^error: unknown option --bogus: train's options are/);
  const seen = new Set<string>(); // the hook module is one instance: both registrations post each load here
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) seen.add(moduleName(m.message as string));
  port.close();
  assert.ok(seen.has('train/config-schema') && [...seen].some((n) => n.includes('node_modules/zod/')), [...seen].join(', '));
  assert.deepEqual([...seen].filter((n) => /^(model|tokenizer|backend)\//.test(n) && n !== 'model/names'), []);
});

test('no config key has a hyphen, which train\'s flag check takes as no config key without loading the schema', async () => {
  // imported here, not above: the first test records the schema's modules loading
  const { documentedKeys, isConfigKey } = await import('../../src/train/config-schema.ts');
  const keys = documentedKeys().map((d) => d.key);
  assert.ok(keys.includes('optimizer.lr') && keys.length > 40, keys.join(', '));
  assert.deepEqual(keys.filter((k) => k.includes('-')), []);
  assert.equal(isConfigKey('dry-run'), false);
});
