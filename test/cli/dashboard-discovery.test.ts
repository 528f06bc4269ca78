// `mistral-tune dashboard` with no argument finds the run folders under ./runs, nested ones too (the
// quickstart's runs/quickstart/run), and not the folders beside them (its data/ with a report.json); given a
// folder of runs it shows the runs in it, and a folder with none is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');

/** A cwd with run folders under ./runs (nested ones too) and folders beside them that are not runs. */
function runsTree(): string {
  const cwd = tempDir('mt-dash-discover-');
  const make = (rel: string, file: string): void => {
    fs.mkdirSync(path.join(cwd, rel), { recursive: true });
    fs.writeFileSync(path.join(cwd, rel, file), file.endsWith('.jsonl') ? '{"step":1,"loss":2}\n' : '{}\n');
  };
  make('runs/quickstart/run', 'metrics.jsonl');
  make('runs/quickstart/data', 'report.json');
  make('runs/quickstart/model', 'config.json');
  make('runs/lora', 'metrics.jsonl');
  make('runs/lora/best', 'adapter_config.json');
  return cwd;
}

/** Runs `dashboard ...args` in `cwd` until it serves, stops it, and returns the runs it listed (relative to cwd) and its stderr. */
async function served(cwd: string, args: string[]): Promise<{ runs: string[]; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'dashboard', ...args, '--port', '0'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard URL:\n${stderr}`)), 25_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/dashboard: http/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => { clearTimeout(timer); reject(new Error(`dashboard exited:\n${stderr}`)); });
  });
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  const runs = [...stderr.matchAll(/^run \S+: (.+)$/gm)].map((m) => path.relative(cwd, path.resolve(cwd, m[1]!)));
  return { runs, stderr };
}

test('dashboard with no argument finds runs nested under ./runs', { timeout: 30_000 }, async () => {
  const cwd = runsTree();
  const { runs } = await served(cwd, []);
  assert.deepEqual(runs, [path.join('runs', 'lora'), path.join('runs', 'quickstart', 'run')]);
});

test('dashboard given a folder of runs (runs, runs/quickstart) shows the runs in it, and says so', { timeout: 60_000 }, async () => {
  const cwd = runsTree();
  const all = await served(cwd, ['runs']);
  assert.deepEqual(all.runs, [path.join('runs', 'lora'), path.join('runs', 'quickstart', 'run')]);
  assert.match(all.stderr, /^runs is not a run folder: showing the 2 runs in it$/m);
  const qs = await served(cwd, [path.join('runs', 'quickstart'), path.join('runs', 'lora')]);
  assert.deepEqual(qs.runs, [path.join('runs', 'quickstart', 'run'), path.join('runs', 'lora')]);
});

test('dashboard given a folder that is not a run and holds none exits 2 with one line', () => {
  const cwd = runsTree();
  for (const dir of [path.join('runs', 'quickstart', 'data'), path.join('runs', 'empty')]) {
    fs.mkdirSync(path.join(cwd, dir), { recursive: true });
    const r = spawnSync(process.execPath, [BIN, 'dashboard', dir, '--port', '0'], { cwd, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `error: ${dir}: not a run folder (no .mistral-tune-run or metrics.jsonl) and no run folder inside it: give the output_dir of a train run\n`);
  }
});
