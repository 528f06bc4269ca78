// Shared helpers for the tokenizer tests: the bundled tokenizer on each engine (loaded once per file),
// temporary tokenizer folders, and capture of the loader's log lines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer, type EngineChoice, type LoadedTokenizer } from '../../src/tokenizer/index.ts';
import { setQuiet } from '../../src/util/log.ts';
import { tempDir } from '../temp-dir.ts';

const loaded = new Map<string, LoadedTokenizer>();

/** The bundled Mistral 7B v0.1 tokenizer on the given engine, loaded once and quietly. */
export function bundled(engine: Exclude<EngineChoice, 'auto'>): LoadedTokenizer {
  let t = loaded.get(engine);
  if (!t) {
    t = quietly(() => loadTokenizer(undefined, { engine }));
    loaded.set(engine, t);
  }
  return t;
}

export function quietly<T>(f: () => T): T {
  setQuiet(true);
  try {
    return f();
  } finally {
    setQuiet(false);
  }
}

/** Runs `f` and returns what it wrote to stderr along with its result. */
export function captureStderr<T>(f: () => T): { result: T; stderr: string } {
  const orig = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: f(), stderr };
  } finally {
    process.stderr.write = orig;
  }
}

export function bundledTokenizerJson(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
}

export function bundledConfigJson(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
}

/**
 * The bundled tokenizer_config.json without its tokenizer_class: a tokenizer.json beside it runs its own
 * normalizer, pre-tokenizer and decoder (transformers' LlamaTokenizer class puts its own in their place:
 * src/tokenizer/llama-class.ts), for tests of the tokenizer.json pipeline itself.
 */
export function asWrittenConfigJson(): Record<string, unknown> {
  const { tokenizer_class: _, ...rest } = bundledConfigJson();
  return rest;
}

const asWritten = new Map<string, LoadedTokenizer>();

/** The bundled tokenizer.json as written (its Prepend normalizer: SentencePiece's and transformers 4's ids), on `engine`. */
export function bundledAsWritten(engine: Exclude<EngineChoice, 'auto'>): LoadedTokenizer {
  let t = asWritten.get(engine);
  if (!t) {
    const dir = tempFolder({ 'tokenizer.json': bundledTokenizerJson(), 'tokenizer_config.json': asWrittenConfigJson() });
    t = quietly(() => loadTokenizer(dir, { engine }));
    asWritten.set(engine, t);
  }
  return t;
}

/** A fresh temporary folder holding the given files (objects are written as JSON). */
export function tempFolder(files: Record<string, string | object>): string {
  const dir = tempDir('mt-tokenizer-');
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

/** test/fixtures/tekken-tiny (a 1,000-token Tekken) with `chatTemplate` as its tokenizer_config.json's chat_template, loaded quietly. */
export function tekkenTinyWith(chatTemplate: string): LoadedTokenizer {
  const tekken = path.join(import.meta.dirname, '..', 'fixtures', 'tekken-tiny');
  const readJson = (name: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(tekken, name), 'utf8')) as Record<string, unknown>;
  return quietly(() => loadTokenizer(tempFolder({
    'tokenizer.json': readJson('tokenizer.json'),
    'tokenizer_config.json': { ...readJson('tokenizer_config.json'), chat_template: chatTemplate },
  })));
}
