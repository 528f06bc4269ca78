// `mistral-tune dashboard` with no argument finds the run folders under ./runs, nested ones too (the
// quickstart's runs/quickstart/run), and not the folders beside them (its data/ with a report.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from '../helpers.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');

test('dashboard with no argument finds runs nested under ./runs', { timeout: 30_000 }, async () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-dash-discover-'));
  const make = (rel: string, file: string): void => {
    fs.mkdirSync(path.join(cwd, rel), { recursive: true });
    fs.writeFileSync(path.join(cwd, rel, file), file.endsWith('.jsonl') ? '{"step":1,"loss":2}\n' : '{}\n');
  };
  make('runs/quickstart/run', 'metrics.jsonl');
  make('runs/quickstart/data', 'report.json');
  make('runs/quickstart/model', 'config.json');
  make('runs/lora', 'metrics.jsonl');
  make('runs/lora/best', 'adapter_config.json');
  const child = spawn(process.execPath, [BIN, 'dashboard', '--port', '0'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
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
  assert.deepEqual(runs, [path.join('runs', 'lora'), path.join('runs', 'quickstart', 'run')]);
});
