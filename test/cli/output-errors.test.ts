// A write to stdout or stderr that fails ends the command without Node's stack trace: the reader of a pipe gone
// (`| head -c 1` once head has its byte) ends it silently with exit status 141, as SIGPIPE ends a Unix tool — at once
// for the commands whose output is stdout (generate, classify without --out: they write it as it comes), and for one
// that writes files (prepare) once its work has written them all —; stdout on a full disk ends it with one line
// and exit status 1 — --help, --version and a usage error as any command's output. (test/cli/command-thread.test.ts:
// stderr on a full disk.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, makeTokenizerModel, SCRIPT_BIN } from '../helpers.ts';
import { shellWord } from '../../src/util/shell-quote.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const MODEL = path.join(ROOT, 'models', 'mistral-tune-tiny');
const QA = path.join(ROOT, 'examples', 'data', 'countries-qa.jsonl');

/**
 * `command` (a shell line, with its redirections) with its stdout a pipe whose reader is gone before it starts — as
 * `| head -c 1` once head has its byte, without the race against head's exit (a head scheduled late on a busy machine
 * let a command's every write land in the pipe first) — in `cwd`: the command's exit status.
 */
function intoGonePipe(command: string, cwd: string): number {
  // fd 3 opens the FIFO both ways (a reader, so that opening fd 4 to write does not wait), then closes: fd 4 has none
  const line = `mkfifo gone.fifo && exec 3<>gone.fifo 4>gone.fifo 3<&- && rm gone.fifo && { ${command} ; } >&4; echo "$?"`;
  const r = spawnSync('bash', ['-c', line], { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

const stderrOf = (dir: string): string => fs.readFileSync(path.join(dir, 'stderr.txt'), 'utf8');

test('generate streaming into a pipe whose reader is gone (as | head -c 1) stops there and ends silently with exit status 141, not a stack trace', { timeout: 120_000 }, () => {
  const dir = tempDir('mt-epipe-generate-');
  // each token's text is a write to stdout on the command's thread, counted by the preload into the file `count`
  const generate = (count: string): string => `MT_COUNT_WRITES=${count} ${shellWord(process.execPath)} ${TS_LOADER.map(shellWord).join(' ')} ` +
    `--import ${shellWord(runnable('test/cli/count-thread-writes.ts'))} ${shellWord(BIN)} generate --model ${shellWord(MODEL)} --raw --prompt 'In the beginning' --max-new-tokens 400`;
  const status = intoGonePipe(`${generate('cut.txt')} 2>stderr.txt`, dir);
  assert.equal(status, 141, stderrOf(dir));
  assert.doesNotMatch(stderrOf(dir), /EPIPE|Error|\n\s+at /, 'nothing about the closed pipe');
  const whole = spawnSync('bash', ['-c', `${generate('whole.txt')} >/dev/null 2>&1`], { cwd: dir, timeout: 120_000 });
  assert.equal(whole.status, 0);
  const [cut, all] = ['cut.txt', 'whole.txt'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8').length);
  assert.ok(all! >= 20 && cut! > 0 && cut! < all! / 2, `the work stopped once its output could not be written: ${cut} writes, ${all} without the pipe cut`);
});

test('classify writes its predictions as they come, batch by batch; into a pipe whose reader is gone (as | head -c 1) it stops there with exit status 141', { timeout: 120_000 }, async () => {
  const dir = tempDir('mt-epipe-classify-');
  const model = await makeTokenizerModel(path.join(dir, 'cls'), 0, { classes: 2 });
  fs.writeFileSync(path.join(dir, 'texts.txt'), Array.from({ length: 200 }, (_, i) => `text number ${i} of the file`).join('\n') + '\n');
  // each write to stdout on the command's thread, counted by the preload into the file `count`
  const classify = (count: string, more = ''): string => `MT_COUNT_WRITES=${count} ${shellWord(process.execPath)} ${TS_LOADER.map(shellWord).join(' ')} ` +
    `--import ${shellWord(runnable('test/cli/count-thread-writes.ts'))} ${shellWord(BIN)} classify --model ${shellWord(model)} --data texts.txt --batch-size 4 ${more}`;
  for (const more of ['', '--json']) {
    const whole = spawnSync('bash', ['-c', `${classify('whole.txt', more)} >out.txt 2>stderr.txt`], { cwd: dir, timeout: 120_000 });
    assert.equal(whole.status, 0, stderrOf(dir));
    assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8').trim().split('\n').length, 200);
    assert.equal(fs.readFileSync(path.join(dir, 'whole.txt'), 'utf8').length, 50, `${more}: one write a batch of 4 texts, not one at the end`);
    fs.rmSync(path.join(dir, 'whole.txt'));
  }
  // 8000 texts (2000 writes, most of a second of work): the thread's writes go to the main thread, which meets the gone
  // reader at the first and stops the thread; 200 texts took the thread less time than a busy machine took to stop it
  fs.writeFileSync(path.join(dir, 'many.txt'), Array.from({ length: 8000 }, (_, i) => `text number ${i} of the file`).join('\n') + '\n');
  const status = intoGonePipe(`${classify('cut.txt').replace('--data texts.txt', '--data many.txt')} 2>stderr.txt`, dir);
  assert.equal(status, 141, stderrOf(dir));
  assert.doesNotMatch(stderrOf(dir), /EPIPE|Error|\n\s+at /, 'nothing about the closed pipe');
  const cut = fs.readFileSync(path.join(dir, 'cut.txt'), 'utf8').length;
  assert.ok(cut > 0 && cut < 1000, `the work stopped once its output could not be written: ${cut} writes of 2000`);
});

test('classify on a terminal, or through a pipe to it, shows its predictions as they come and no progress bar among them; with stdout redirected to a file the bar is on the terminal', { skip: SCRIPT_BIN ? false : 'util-linux `script` (a pseudo-terminal) is not installed', timeout: 120_000 }, async () => {
  const dir = tempDir('mt-tty-classify-');
  const model = await makeTokenizerModel(path.join(dir, 'cls'), 0, { classes: 2 });
  fs.writeFileSync(path.join(dir, 'texts.txt'), Array.from({ length: 20 }, (_, i) => `text ${i}`).join('\n') + '\n');
  const onTerminal = (redirect: string): string => {
    const command = `${shellWord(process.execPath)} ${shellWord(BIN)} classify --model ${shellWord(model)} --data texts.txt --batch-size 4 ${redirect}`;
    const r = spawnSync(SCRIPT_BIN!, ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return r.stdout; // the terminal's: stdout and stderr both
  };
  const screen = onTerminal('');
  assert.equal(screen.match(/^texts\.txt:\d+ +LABEL_[01] +\d\.\d{4}\r?$/gm)?.length, 20, screen);
  assert.doesNotMatch(screen, /classify .*[█░]/, 'no progress bar among the predictions');
  const piped = onTerminal('| cat');
  assert.equal(piped.match(/^texts\.txt:\d+ +LABEL_[01] +\d\.\d{4}\r?$/gm)?.length, 20, piped);
  assert.doesNotMatch(piped, /classify .*[█░]/, 'none through a pipe either (| tee, | cat: most often to that terminal)');
  assert.match(onTerminal('>out.txt'), /classify .*[█░]/, 'the bar, with the predictions in a file');
  assert.equal(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8').trim().split('\n').length, 20);
});

test('prepare whose progress goes into a pipe whose reader is gone writes all its outputs, then ends silently with exit status 141', { timeout: 120_000 }, () => {
  const dir = tempDir('mt-epipe-prepare-');
  const status = intoGonePipe(`${shellWord(process.execPath)} ${shellWord(BIN)} prepare --input ${shellWord(QA)} --out data 2>&1 >stdout.txt`, dir);
  assert.equal(status, 141);
  assert.equal(fs.readFileSync(path.join(dir, 'stdout.txt'), 'utf8'), '');
  assert.deepEqual(fs.readdirSync(path.join(dir, 'data')).sort(), ['rejected.jsonl', 'report.json', 'test.jsonl', 'train.jsonl', 'val.jsonl']);
});

test('generate with stdout on a full disk (/dev/full) ends with one line naming stdout and exit status 1', { skip: !fs.existsSync('/dev/full') && 'no /dev/full here', timeout: 120_000 }, () => {
  const full = fs.openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, [BIN, 'generate', '--model', MODEL, '--raw', '--prompt', 'In the beginning', '--max-new-tokens', '4'], {
      encoding: 'utf8', timeout: 120_000, stdio: ['ignore', full, 'pipe'],
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^error: cannot write to stdout: ENOSPC: no space left on device, write$/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    fs.closeSync(full);
  }
});

test('--help, --version and the usage of no command, written to a closed pipe or a full disk, end as a command\'s output does: 141 silently, or one line and 1', { timeout: 60_000 }, async () => {
  for (const [args, stream] of [[['--version'], 'stdout'], [['--help'], 'stdout'], [[], 'stderr']] as const) {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child[stream].destroy(); // the reader gone before the command writes (Node takes longer than this to start)
    let stderr = '';
    if (stream === 'stdout') child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 141, `${args.join(' ') || 'no command'}: ${stderr}`);
    assert.equal(stderr, '');
  }
  if (!fs.existsSync('/dev/full')) return;
  const full = fs.openSync('/dev/full', 'w');
  try {
    for (const args of [['--version'], ['--help']]) {
      const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', full, 'pipe'] });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr, 'error: cannot write to stdout: ENOSPC: no space left on device, write\n');
    }
  } finally {
    fs.closeSync(full);
  }
});
