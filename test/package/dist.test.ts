// The built package in dist/ (npm test's pretest builds it): the library imports under plain Node through
// the package's own name, the bin runs it without a TypeScript loader, and a dist/ missing or older than
// src/ is refused with one line instead of running old code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');

function node(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  // a clean NODE_OPTIONS: nothing may load tsx behind the test's back
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd, env: { ...process.env, NODE_OPTIONS: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the library imports under plain Node by its package name (self-reference), with .d.ts types', () => {
  const r = node(['--input-type=module', '-e', "const m = await import('mistral-tune'); console.log(typeof m.loadModel, typeof m.train, typeof m.createBackend)"], ROOT);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'function function function');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { types: string; main: string };
  for (const f of [pkg.types, pkg.main]) assert.ok(fs.existsSync(path.join(ROOT, f)), `${f} is not built`);
});

// tools read a package's manifest by its name (bundlers, license checkers, `require('mistral-tune/package.json').version`):
// an `exports` map without the entry refused it with ERR_PACKAGE_PATH_NOT_EXPORTED
test("the package's package.json is exported: require and import by the package's name read it", () => {
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const cjs = node(['-e', "console.log(require('mistral-tune/package.json').version)"], ROOT);
  assert.equal(cjs.status, 0, cjs.stderr);
  assert.equal(cjs.stdout.trim(), version);
  const esm = node(['--input-type=module', '-e', "const p = await import('mistral-tune/package.json', { with: { type: 'json' } }); console.log(p.default.version)"], ROOT);
  assert.equal(esm.status, 0, esm.stderr);
  assert.equal(esm.stdout.trim(), version);
});

test('the bin runs dist/ with plain Node: no TypeScript loader', () => {
  assert.doesNotMatch(fs.readFileSync(BIN, 'utf8'), /tsx|\.ts['"]/);
  const r = node([BIN, '--help'], ROOT);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage: mistral-tune <command>/);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const v = node([BIN, flag], ROOT);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout, `${pkg.version}\n`);
  }
});

test('an unknown command is refused with exit 2, also one named as a property every object has (constructor, __proto__)', () => {
  for (const name of ['frobnicate', 'constructor', '__proto__', 'toString']) {
    const r = node([BIN, name], ROOT);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: unknown command "${name}"`));
  }
});

test('an error quoting a line break or a terminal escape (a path, a command name) is one line, with them escaped; so is a warning', () => {
  const dir = tempDir('mt-one-line-');
  const odd = path.join(dir, 'new\nline\u001b[2J');
  const data = path.join(dir, 'x.jsonl'); // there: eval refuses a missing data file before it looks at the model
  fs.writeFileSync(data, '{"text": "a"}\n');
  const r = node([BIN, 'eval', '--model', odd, '--data', data], ROOT);
  assert.equal(r.status, 2, r.stderr);
  assert.deepEqual(r.stderr.split('\n').filter((l) => /error|line/.test(l)), [`error: ${dir}/new\\nline\\u001b[2J: model folder not found`]);
  const cmd = node([BIN, 'tr\u001b[31main'], ROOT);
  assert.match(cmd.stderr, /^error: unknown command "tr\\u001b\[31main"/);
  const warned = node(['--input-type=module', '-e', "const { warn } = await import('./dist/util/log.js'); warn('a\\nb')"], ROOT);
  assert.equal(warned.stderr, 'warning: a\\nb\n', warned.stderr);
});

test('no command is a usage error (exit 2, usage on stderr); a mistyped one gets a did-you-mean; help COMMAND is COMMAND --help', () => {
  const bare = node([BIN], ROOT);
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /^usage: mistral-tune <command>/);
  assert.equal(bare.stdout, '');
  const typo = node([BIN, 'trian'], ROOT);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /^error: unknown command "trian" \(did you mean "train"\?\): run mistral-tune --help for the commands\n$/);
  const help = node([BIN, 'help', 'train'], ROOT);
  assert.equal(help.status, 0, help.stderr);
  assert.equal(help.stdout, node([BIN, 'train', '--help'], ROOT).stdout);
  assert.match(help.stdout, /^mistral-tune train CONFIG\.yaml/);
  assert.equal(node([BIN, 'help', 'nosuch'], ROOT).status, 2);
});

test('a dist/ missing or older than src/ is refused with one line naming the file', () => {
  const dir = tempDir('mt-dist-');
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(BIN, path.join(dir, 'bin', 'mistral-tune.js'));
  fs.mkdirSync(path.join(dir, 'src', 'cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'cli', 'main.ts'), '');
  const bin = path.join(dir, 'bin', 'mistral-tune.js');

  const missing = node([bin, '--help'], dir);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `mistral-tune: dist/ is not built: run \`npm run build\` in ${dir}\n`);

  fs.mkdirSync(path.join(dir, 'dist', 'cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dist', 'cli', 'main.js'), "export async function main() { process.stdout.write('built\\n'); return 0; }\n");
  fs.writeFileSync(path.join(dir, 'dist', '.built'), '');
  const old = new Date(Date.now() - 60_000);
  for (const p of ['src/cli/main.ts', 'src/cli', 'src']) fs.utimesSync(path.join(dir, p), old, old);
  assert.equal(node([bin], dir).stdout, 'built\n');

  fs.writeFileSync(path.join(dir, 'src', 'cli', 'new.ts'), '');
  // its folder touched a moment after the file, as creating it may (this test once named src/cli instead)
  const made = fs.statSync(path.join(dir, 'src', 'cli', 'new.ts')).mtime;
  fs.utimesSync(path.join(dir, 'src', 'cli'), made, new Date(made.getTime() + 5));
  const stale = node([bin], dir);
  assert.equal(stale.status, 2);
  assert.equal(stale.stderr, `mistral-tune: dist/ is older than src/cli/new.ts: run \`npm run build\` in ${dir}\n`);
});

test('a symbolic link to nothing in src/ (an Emacs lock of a file being edited, .#main.ts) is no error: dist/ is judged by the link\'s own time', () => {
  const dir = tempDir('mt-dist-');
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(BIN, path.join(dir, 'bin', 'mistral-tune.js'));
  fs.mkdirSync(path.join(dir, 'src', 'cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'cli', 'main.ts'), '');
  fs.symlinkSync('user@host.1234:1733390000', path.join(dir, 'src', 'cli', '.#main.ts'));
  fs.mkdirSync(path.join(dir, 'dist', 'cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dist', 'cli', 'main.js'), "export async function main() { process.stdout.write('built\\n'); return 0; }\n");
  const bin = path.join(dir, 'bin', 'mistral-tune.js');
  // built before the link was made: stale, said in one line (was fs.statSync's ENOENT with its stack trace, exit 1)
  const old = new Date(Date.now() - 60_000);
  fs.writeFileSync(path.join(dir, 'dist', '.built'), '');
  fs.utimesSync(path.join(dir, 'dist', '.built'), old, old);
  const stale = node([bin], dir);
  assert.equal(stale.status, 2, stale.stderr);
  assert.match(stale.stderr, /^mistral-tune: dist\/ is older than src\/cli\S*: run `npm run build` in /);
  // built after it: runs
  fs.writeFileSync(path.join(dir, 'dist', '.built'), '');
  const built = node([bin], dir);
  assert.equal(built.stdout, 'built\n', built.stderr);
});
