// The tokenizer sits below the exporter, the trainer and the CLI (DESIGN.md: nothing reaches around another): no module
// of src/tokenizer/ imports one of theirs. regex-bound.ts took the published pre-tokenizer regexes from the GGUF export;
// the table is the tokenizer's now (known-pre-tokenizers.ts), and the export imports it from there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(import.meta.dirname, '..', '..', 'src');
const DOWNSTREAM = ['export', 'train', 'cli', 'eval', 'dashboard', 'run', 'model', 'backend'].map((d) => path.join(SRC, d) + path.sep);

test('no module of src/tokenizer/ imports the exporter, the trainer, the model or the CLI', () => {
  const dir = path.join(SRC, 'tokenizer');
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 10, 'the tokenizer modules were found');
  const reaches: string[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms)) {
      const target = path.resolve(path.dirname(file), m[1]!);
      if (m[1]!.startsWith('.') && DOWNSTREAM.some((d) => target.startsWith(d))) reaches.push(`src/tokenizer/${f} imports ${m[1]}`);
    }
  }
  assert.deepEqual(reaches, []);
});
