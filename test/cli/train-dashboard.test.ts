// train --dashboard: the dashboard of the run is served while it trains and after, until SIGINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES, TINY_BASE } from '../helpers.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');

test('train --dashboard serves the run, then stops on SIGINT', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-train-dash-'));
  fs.copyFileSync(path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl'), path.join(dir, 'train.jsonl'));
  fs.writeFileSync(path.join(dir, 'c.yaml'), `model: ${TINY_BASE}\ndata: {train: train.jsonl}\nmax_steps: 3\nbatch_size: 1\neval: {samples: 0}\noutput_dir: run\n`);
  const child = spawn(process.execPath, [BIN, 'train', path.join(dir, 'c.yaml'), '--dashboard', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard URL:\n${stderr}`)), 30_000);
    const poll = setInterval(() => {
      const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (m && stderr.includes('training finished')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m[1]!);
      }
    }, 50);
  });
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /mistral-tune dashboard/);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  await assert.rejects(fetch(url), 'the dashboard process stopped with the run');
});
