// What the GPU call sends must fit the device tool's 64 MiB, and what device-prepare.sh packs to fit it must come back
// out on the device: scripts/sent-bytes.sh (the sum device-prepare.sh checks) and scripts/device-unpack.sh (node_modules,
// dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../temp-dir.ts';

const scripts = path.resolve(import.meta.dirname, '../../scripts');

function sentBytes(dir: string, files: string[]): number {
  const out = execFileSync('bash', [path.join(scripts, 'sent-bytes.sh')], { cwd: dir, input: files.map((f) => f + '\0').join('') });
  return Number(out.toString().trim());
}

test('sent-bytes: every file counts, however many batches xargs makes of the list, and a gone path counts nothing', () => {
  const dir = tempDir('sent-bytes-');
  // long names, so that one xargs batch (128 KiB or so of arguments) cannot hold the list
  const files: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const name = `${String(i).padStart(5, '0')}-${'x'.repeat(180)}`;
    fs.writeFileSync(path.join(dir, name), 'y'.repeat(i % 7));
    files.push(name);
  }
  fs.linkSync(path.join(dir, files[6]!), path.join(dir, 'hard-link')); // 6 bytes again: each link travels as a file
  fs.writeFileSync(path.join(dir, 'a\n5000000 b'), 'z'); // a newline in a name: still one file of 1 byte
  const expected = files.reduce((sum, _, i) => sum + (i % 7), 0) + 6 + 1;
  assert.equal(sentBytes(dir, [...files, 'hard-link', 'a\n5000000 b', 'deleted-since']), expected);
});

test('sent-bytes: a total past 2^31 is printed as an integer (the caller adds it up in bash)', () => {
  const dir = tempDir('sent-bytes-big-');
  fs.closeSync(fs.openSync(path.join(dir, 'sparse'), 'w'));
  fs.truncateSync(path.join(dir, 'sparse'), 3 * 2 ** 30); // sparse: 3 GiB apparent, nothing on disk
  const out = execFileSync('bash', [path.join(scripts, 'sent-bytes.sh')], { cwd: dir, input: 'sparse\0' }).toString();
  assert.equal(out, `${3 * 2 ** 30}\n`);
});

function project(): string {
  const dir = tempDir('device-unpack-');
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(scripts, 'device-unpack.sh'), path.join(dir, 'scripts/device-unpack.sh'));
  fs.mkdirSync(path.join(dir, '.device'));
  return dir;
}

function pack(dir: string, main: string): void {
  const staging = tempDir('device-dist-');
  fs.mkdirSync(path.join(staging, 'dist/cli'), { recursive: true });
  fs.writeFileSync(path.join(staging, 'dist/cli/main.js'), main);
  execFileSync('tar', ['cJf', path.join(dir, '.device/dist.tar.xz'), '-C', staging, 'dist']);
}

const unpack = (dir: string) => spawnSync('bash', ['scripts/device-unpack.sh'], { cwd: dir, encoding: 'utf8' });
const mainJs = (dir: string) => fs.readFileSync(path.join(dir, 'dist/cli/main.js'), 'utf8');

test('device-unpack: dist/ comes out of .device/dist.tar.xz, replacing a stale one, and again when the archive changes', () => {
  const dir = project();
  fs.mkdirSync(path.join(dir, 'dist/cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dist/cli/main.js'), 'stale');
  fs.writeFileSync(path.join(dir, 'dist/left-over.js'), 'from another build');
  pack(dir, 'first');
  assert.equal(unpack(dir).status, 0);
  assert.equal(mainJs(dir), 'first');
  assert.ok(!fs.existsSync(path.join(dir, 'dist/left-over.js')), 'dist/ is the archive, nothing else');

  fs.writeFileSync(path.join(dir, 'dist/cli/main.js'), 'touched on the device'); // a warm machine keeps dist/: not unpacked twice
  assert.equal(unpack(dir).status, 0);
  assert.equal(mainJs(dir), 'touched on the device');

  pack(dir, 'second'); // a later call carries another build
  assert.equal(unpack(dir).status, 0);
  assert.equal(mainJs(dir), 'second');
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('unpacking')), [], 'no temporary folder left');
});

test('device-unpack: a damaged archive fails naming it, and leaves dist/ as it was', () => {
  const dir = project();
  pack(dir, 'good');
  assert.equal(unpack(dir).status, 0);
  fs.writeFileSync(path.join(dir, '.device/dist.tar.xz'), 'not an archive');
  const r = unpack(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /device-unpack: cannot unpack \.device\/dist\.tar\.xz into dist\//);
  assert.equal(mainJs(dir), 'good');
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('unpacking')), []);
});

test('device-unpack: nothing packed, nothing done', () => {
  const dir = project();
  assert.equal(unpack(dir).status, 0);
  assert.ok(!fs.existsSync(path.join(dir, 'dist')));
});

function packModules(dir: string, marker: string): void {
  const staging = tempDir('device-modules-');
  fs.mkdirSync(path.join(staging, 'node_modules/tsx'), { recursive: true });
  fs.writeFileSync(path.join(staging, 'node_modules/tsx/marker'), marker);
  execFileSync('tar', ['cJf', path.join(dir, '.device/node_modules.tar.xz'), '-C', staging, 'node_modules']);
}
const marker = (dir: string) => fs.readFileSync(path.join(dir, 'node_modules/tsx/marker'), 'utf8');

test('device-unpack: node_modules/ comes out of .device/node_modules.tar.xz where there is none, or in place of a link', () => {
  const dir = project();
  packModules(dir, 'first');
  assert.equal(unpack(dir).status, 0);
  assert.equal(marker(dir), 'first');
  assert.equal(unpack(dir).status, 0, 'unpacked once: the same archive again is nothing to do');

  packModules(dir, 'second'); // a later call on a warm machine carries another set
  assert.equal(unpack(dir).status, 0);
  assert.equal(marker(dir), 'second');

  const linked = project(); // env.sh of an older .device links node_modules to .device/node_modules
  fs.mkdirSync(path.join(linked, '.device/node_modules/tsx'), { recursive: true });
  fs.symlinkSync(path.join(linked, '.device/node_modules'), path.join(linked, 'node_modules'));
  packModules(linked, 'packed');
  assert.equal(unpack(linked).status, 0);
  assert.ok(!fs.lstatSync(path.join(linked, 'node_modules')).isSymbolicLink());
  assert.equal(marker(linked), 'packed');
  assert.ok(fs.existsSync(path.join(linked, '.device/node_modules/tsx')), 'the link\'s target is not touched');
  assert.deepEqual(fs.readdirSync(linked).filter((n) => n.includes('unpacking')), []);
});

test('device-unpack: a node_modules/ of npm\'s own (a development machine) is left as it is, and said', () => {
  const dir = project();
  fs.mkdirSync(path.join(dir, 'node_modules/tsx'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_modules/tsx/marker'), 'npm');
  packModules(dir, 'packed');
  const r = unpack(dir);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /node_modules\/ is not one this script laid .*left as it is/);
  assert.equal(marker(dir), 'npm');
});

test('device-unpack: a damaged node_modules archive fails naming it', () => {
  const dir = project();
  fs.writeFileSync(path.join(dir, '.device/node_modules.tar.xz'), 'not an archive');
  const r = unpack(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /device-unpack: cannot unpack \.device\/node_modules\.tar\.xz into node_modules\//);
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules')));
});
