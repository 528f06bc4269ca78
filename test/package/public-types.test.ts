// Every type that the library's exported functions, classes and option/result types name is importable by name
// from the package ('mistral-tune'), so that a strict TypeScript user can declare their own values with it. The
// check is tsc's own: a user file that expands each export's type one level is compiled with declarations; a
// type the entry point does not export comes out as `import("…/dist/…").Name`, a path no user can import (the
// package's "exports" map allows only '.'). Were: RunInfo (Dashboard), ForwardHead (MistralModel.forward),
// PrepareReport (PrepareResult), LoadedTokenizer (loadTokenizer's result) and 30 more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Named in public signatures but the library's inner workings, not for a user to spell: the CLI's wording of option
// names (a last argument the CLI passes), config-yaml's places, a model's layers, weights and activation buffers, the
// optimizer's flat buffers, read scratch, the WebAssembly build, test stand-ins for CUDA, a LabelSet's inner entries.
const INTERNAL = ['Activations', 'BaseGrads', 'ClassEntry', 'CudaSource', 'DecoderLayer', 'FlatParams', 'KernelBuild',
  'MinusOne', 'MistralWeights', 'OptionWords', 'Place', 'ReadScratch', 'Written'];

function exportedNames(): string[] {
  const index = fs.readFileSync(path.join(ROOT, 'src', 'index.ts'), 'utf8');
  return [...index.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap((m) => m[1]!.split(',').map((n) => n.trim().replace(/^type /, '').split(/\s+as\s+/).pop()!));
}

test('each type a public signature names is exported by the package, or is one of the few internal ones listed here', async () => {
  const api = (await import(pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href)) as Record<string, unknown>;
  const dir = tempDir('mt-public-types-');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'mistral-tune'));
  // a CommonJS user file: there tsc writes each unexported type as an import("…/dist/…") path and goes on, where
  // in an ES module it stops at the first one of each declaration (error TS2883) and writes no declarations
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name": "app", "private": true}\n');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, declaration: true, emitDeclarationOnly: true, outDir: 'out',
      skipLibCheck: true, typeRoots: [path.join(ROOT, 'node_modules', '@types')], types: ['node'] },
    include: ['user.ts'],
  }));
  const lines = [
    "import * as m from 'mistral-tune';",
    'type Fn<T> = T extends (...a: infer A) => infer R ? (...a: { [K in keyof A]: A[K] }) => R : T;',
    'type Expand<T> = T extends (...a: any[]) => any ? Fn<T> : T extends object ? { [K in keyof T]: Fn<T[K]> } : T;',
    'export function x<T>(v?: T): Expand<T> { return v as Expand<T>; }',
  ];
  for (const n of exportedNames()) {
    // TrainConfigSchema's zod type names zod's own inner types (tsc: not portable); TrainConfig stands for it
    if (n === 'TrainConfigSchema') continue;
    if (!(n in api)) lines.push(`export const t_${n} = x<m.${n}>();`);
    else {
      lines.push(`export const v_${n} = x<typeof m.${n}>();`);
      if (typeof api[n] === 'function' && /^[A-Z]/.test(n)) lines.push(`export const i_${n} = x<m.${n}>();`);
    }
  }
  fs.writeFileSync(path.join(dir, 'user.ts'), lines.join('\n') + '\n');
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
  // tsc says it one of two ways: an import("…/dist/…") path in the declarations, or error TS2883 (not portable)
  const other = tsc.stdout.split('\n').filter((l) => /error TS/.test(l) && !/error TS2883: .*cannot be named without a reference to '\w+' from '[^']*\/dist\//.test(l));
  assert.deepEqual(other, [], tsc.stdout + tsc.stderr);
  const emitted = fs.readFileSync(path.join(dir, 'out', 'user.d.ts'), 'utf8');
  const unnamed = new Set([...emitted.matchAll(/import\("[^"]*\/dist\/[^"]*"(?:, \{[^)]*\})?\)\.(\w+)/g),
    ...tsc.stdout.matchAll(/without a reference to '(\w+)' from '[^']*\/dist\//g)].map((m) => m[1]!));
  assert.ok(emitted.includes('export declare const v_train'), 'the expansion was emitted');
  assert.deepEqual([...unnamed].filter((n) => !INTERNAL.includes(n)).sort(), [], 'types named by public signatures, not exported by src/index.ts');
});

test('a user file importing only from "mistral-tune" names the option, result and part types of the public functions', () => {
  const dir = tempDir('mt-user-types-');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'mistral-tune'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name": "app", "private": true, "type": "module"}\n');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, exactOptionalPropertyTypes: true,
      typeRoots: [path.join(ROOT, 'node_modules', '@types')], types: ['node'] },
    include: ['user.ts'],
  }));
  fs.writeFileSync(path.join(dir, 'user.ts'), [
    "import type { RunInfo, ForwardHead, LossResult, KvCache, PrepareReport, LoadedTokenizer, LoadedBatch, RandomInit, SequenceBias, ChatTurn, RopeScaling, FileDType, EngineName, LoraBias, WsdShape, ConnectionLimits, RowLimits } from 'mistral-tune';",
    "export const head: ForwardHead = 'classification';",
    "export const bias: LoraBias = 'none';",
    "export const shape: WsdShape = 'cosine';",
    "export const saved: FileDType = 'bf16';",
    "export const engine: EngineName = 'fast';",
    "export const turn: ChatTurn = { role: 'user', content: 'hi' };",
    "export const banned: SequenceBias = [[13], -1];",
    'export type Declared = [RunInfo, LossResult, KvCache, PrepareReport, LoadedTokenizer, LoadedBatch, RandomInit, RopeScaling, ConnectionLimits, RowLimits];',
  ].join('\n') + '\n');
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});
