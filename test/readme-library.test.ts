// The README's Library example, run as written (cheaply): its code block is read from README.md, its model folder
// swapped for the bundled tiny model and train() for a stub that checks the config it is given (a 7B model and
// ten steps of training are no test), so that an example naming a function the package does not export, or
// calling one as it cannot be called (createAdapter wanted an Rng the package did not export), fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../src/index.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const TINY_MODEL = path.join(ROOT, 'models', 'mistral-tune-tiny');

/** The ```ts block under "## Library": its imported names and the code below the import. */
function libraryExample(): { names: string[]; body: string } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /^## Library\n+```ts\n([\s\S]*?)^```/m.exec(readme);
  assert.ok(block, 'README.md has a ```ts block under ## Library');
  const imp = /^import \{([^}]*)\} from 'mistral-tune';\n/m.exec(block[1]!);
  assert.ok(imp, "the example imports from 'mistral-tune'");
  return { names: imp[1]!.split(',').map((n) => n.trim()), body: block[1]!.replace(imp[0], '') };
}

test("the README's Library example runs as written on the bundled tiny model, quietly when asked", async () => {
  const { names, body } = libraryExample();
  const exported = api as unknown as Record<string, unknown>;
  assert.deepEqual(names.filter((n) => !(n in exported)), [], 'every name the example imports is exported');
  const trained: api.TrainConfig[] = [];
  const given: Record<string, unknown> = { ...exported, train: (cfg: api.TrainConfig) => (trained.push(cfg), { dir: cfg.output_dir, steps: 0 }) };
  const code = body.replaceAll("'/models/Mistral-7B-v0.1'", JSON.stringify(TINY_MODEL))
    .replaceAll("'examples/train-lora.yaml'", JSON.stringify(path.join(ROOT, 'examples', 'train-lora.yaml')));
  const printed: unknown[] = [];
  const console = { log: (x: unknown) => printed.push(x) };
  const run = new Function(...names, 'console', code) as (...a: unknown[]) => void;
  const write = process.stderr.write;
  const stderr: string[] = [];
  process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof process.stderr.write;
  api.setQuiet(true);
  try {
    run(...names.map((n) => given[n]), console);
  } finally {
    process.stderr.write = write;
    api.setQuiet(false);
  }
  assert.deepEqual(stderr, [], 'setQuiet(true): nothing written');
  assert.equal(typeof printed[0], 'string', 'the generated text');
  assert.ok((printed[1] as api.LossReport).loss > 0, 'the loss report');
  assert.equal(trained.length, 1);
  assert.equal(trained[0]!.max_steps, 10, "train gets the example config with the override");
});
