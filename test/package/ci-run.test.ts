// The README's set-up is what CI runs: .ci/run holds each command of the README's set-up block as written,
// and a quickstart with the BLAS library hidden (the WebAssembly GEMM of a machine without OpenBLAS); the
// quickstart's first line says which GEMM runs, since that decides how long it takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8').split('\n');

test(".ci/run runs the README's set-up commands as written, and the quickstart without BLAS", () => {
  const block = /## Set-up[^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the README has a Set-up section with a sh block');
  const commands = block[1]!.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '');
  assert.deepEqual(commands, ['npm ci && npx mistral-tune quickstart', 'npm test']);
  for (const c of commands) assert.ok(ci.includes(c), `.ci/run lacks the line: ${c}`);
  assert.ok(ci.some((l) => /^MISTRAL_TUNE_GEMM=simd npx mistral-tune quickstart\b/.test(l)), '.ci/run lacks the quickstart with MISTRAL_TUNE_GEMM=simd');
});

test("the quickstart's first line names the GEMM", async () => {
  const out = tempDir('mt-qs-');
  test.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mistral-tune.js'), 'quickstart', '--out', path.join(out, 'qs')], {
    env: { ...process.env, MISTRAL_TUNE_GEMM: 'simd' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const first = await new Promise<string>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('\n')) resolve(stderr.slice(0, stderr.indexOf('\n')));
    });
    child.on('exit', () => resolve(stderr));
  });
  child.kill('SIGKILL');
  assert.match(first, /^cpu backend: GEMM by WebAssembly SIMD/);
});
