// A FIFO (or a folder) given as a data file, a train config or a messages file is a one-line error naming
// it, exit 2 — never a read that blocks forever waiting for a writer. Each FIFO's run is a process bounded by its own
// timeout (a read that blocked in this process would hang the test file); the folders' runs, which cannot block, run
// through main() in this process (in-process-cli.ts: the same exit status and stderr), where a process cost ~1 CPU-s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, makeTokenizerModel } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cliIn } from './in-process-cli.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const dir = tempDir('mt-fifo-');
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
const model = await makeTokenizerModel(path.join(dir, 'model'));
const fifo = (name: string): string => {
  const f = path.join(dir, name);
  const r = spawnSync('mkfifo', [f]);
  assert.equal(r.status, 0, 'mkfifo');
  return f;
};
const data = fifo('data.jsonl');
const config = fifo('config.yaml');
const plainConfig = path.join(dir, 'train.yaml');
fs.writeFileSync(plainConfig, `model: ${model}\ndata: {train: ${data}}\noutput_dir: ${path.join(dir, 'run')}\nmax_steps: 1\n`);

/** The CLI, killed after 15 s (a blocked read would otherwise hang the test). */
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 15_000 });
const refuses = (r: ReturnType<typeof cli>, file: string, message = `error: ${file}: is a FIFO (named pipe), not a regular file`): void => {
  assert.notEqual(r.signal, 'SIGTERM', `blocked until killed: ${r.stderr}`);
  assert.equal(r.status, 2, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.equal(errors[0], message);
};
/** eval's and classify's --data, generate's --messages: a pipe (or a socket: spawnSync's input) is refused saying what to give instead. */
const pipeRefused = (flag: string, file: string): string =>
  `error: --${flag}: ${file}: a pipe, FIFO or socket, not a file: write the data to a file and give that file (or redirect one, < FILE)`;

test('eval --data FIFO is refused', () => refuses(cli('eval', '--model', model, '--data', data), data, pipeRefused('data', data)));
test('eval and classify --data /dev/stdin from a pipe (cat x | …) are refused saying to write a file (was: "is a FIFO (named pipe), not a regular file")', () => {
  for (const command of ['eval', 'classify']) {
    const r = spawnSync(process.execPath, [BIN, command, '--model', model, '--data', '/dev/stdin'], { encoding: 'utf8', timeout: 15_000, input: '{"text": "a"}\n' });
    refuses(r, '/dev/stdin', pipeRefused('data', '/dev/stdin'));
  }
});
test('train with data.train a FIFO is refused, naming the flag that gave it', () => refuses(cli('train', plainConfig, '--data.train', data), `--data.train: ${data}`));
test('a FIFO as the train config is refused, also with --dry-run', () => refuses(cli('train', config, '--dry-run'), config));
test('generate --messages FIFO is refused', () => refuses(cli('generate', '--model', model, '--messages', fifo('m.json')), path.join(dir, 'm.json'), pipeRefused('messages', path.join(dir, 'm.json'))));
test('eval and classify --data FOLDER (a prepare output), generate --messages FOLDER, say to give one of its files, naming the flag', async () => {
  const inProcess = (...args: string[]) => cliIn(process.cwd(), args);
  const prepared = path.join(dir, 'prepared');
  fs.mkdirSync(prepared);
  fs.writeFileSync(path.join(prepared, 'test.jsonl'), '{"text": "a"}\n');
  for (const command of ['eval', 'classify']) {
    const r = await inProcess(command, '--model', model, '--data', prepared);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:')).join('\n'),
      `error: --data: ${prepared}: a folder, not a data file (give ${path.join(prepared, 'test.jsonl')})`, command);
  }
  const r = await inProcess('generate', '--model', model, '--messages', prepared);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:')).join('\n'),
    `error: --messages: ${prepared}: a folder, not a data file (give a file in it; it holds no messages.json)`, 'generate');
});

