// Helpers for the data tests: temporary folders with files written byte for byte, and the bundled
// (real) Mistral tokenizer, loaded once per test file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import type { LoadedTokenizer } from '../../src/tokenizer/tokenizer.ts';
import { setQuiet } from '../../src/util/log.ts';

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'mt-data-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (name → content; strings as UTF-8) into `dir` and returns their paths by name. */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    out[name] = p;
  }
  return out;
}

export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  const text = fs.readFileSync(file, 'utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);
}

let tok: LoadedTokenizer | null = null;
/** The bundled Mistral 7B v0.1 tokenizer (the real one). */
export function mistralTokenizer(): LoadedTokenizer {
  if (!tok) {
    setQuiet(true);
    tok = loadTokenizer();
    setQuiet(false);
  }
  return tok;
}
