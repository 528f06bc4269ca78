// Every path flag (and path argument) of every command given "" — an unset variable quoted, --out "$OUT" — is refused
// in one shape naming the flag, before anything is read: before, `prepare --tokenizer ""` said 'tokenizer folder not
// found' (no flag, no path), `--out ""` said '--out is required' as if not given, `eval --run "" --data d` said
// 'd: file not found', `export --model "" --adapter a` spoke of --merge, `classify --data ""` said 'file not found',
// `train ""` said 'a config file is required' and `quickstart --out ""` 'cannot create the folder: ... (ENOENT)'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from './in-process-cli.ts';

const cases: Array<[string[], string]> = [
  [['prepare', '--input', 'i', '--out', 'o', '--tokenizer', ''], '--tokenizer "" names no folder: give a folder with tokenizer.json, or the file'],
  [['prepare', '--input', 'i', '--out', ''], '--out "" names no path: give the path to write to'],
  [['prepare', '--input', '', '--out', 'o'], '--input "" names no file: give a data file or folder'],
  [['prepare', '--input', 'i', '--test', '', '--out', 'o'], '--test "" names no file: give a data file or folder'],
  [['train', ''], 'an empty config file argument ("") names no file: give a config file (mistral-tune train CONFIG.yaml)'],
  [['train', '--', ''], 'an empty config file argument ("") names no file: give a config file (mistral-tune train CONFIG.yaml)'],
  [['train', '', '--resume'], 'an empty run folder argument ("") names no folder: give a run folder (or its config file) to resume'],
  [['train', '--config', ''], '--config "" names no file: give the config file itself, mistral-tune train CONFIG.yaml'],
  [['export', '--run', '', '--out', 'x'], '--run "" names no folder: give a run folder (the output_dir of a train run)'],
  [['export', '--run', 'r', '--out='], '--out "" names no path: give the path to write to'],
  [['export', '--model', '', '--adapter', 'a', '--out', 'x'], '--model "" names no folder: give an HF model folder'],
  [['export', '--adapter', '', '--merge', '--out', 'x'], '--adapter "" names no folder: give a PEFT adapter folder'],
  [['eval', '--run', '', '--data', 'd'], '--run "" names no folder: give a run folder (the output_dir of a train run)'],
  [['eval', '--model', 'm', '--data', ''], '--data "" names no file: give a data file'],
  [['generate', '--model', '', '--prompt', 'hi'], '--model "" names no folder: give an HF model folder'],
  [['generate', '--model', 'm', '--messages', ''], '--messages "" names no file: give a JSON file of chat messages'],
  [['classify', '--run', 'r', '--data', ''], '--data "" names no file: give a data file'],
  [['classify', '--run', 'r', '--data', 'd', '--out', ''], '--out "" names no path: give the path to write to'],
  [['quickstart', '--out', ''], '--out "" names no path: give the path to write to'],
  [['dashboard', ''], 'an empty run directory argument ("") names no folder: give a run folder (the output_dir of a train run)'],
];

test('a path flag or argument given "" is one error naming it, for every command', async () => {
  for (const [argv, message] of cases) {
    const r = await cli(argv);
    assert.deepEqual([r.code, r.err], [2, `error: ${message}\n`], argv.join(' '));
  }
});
