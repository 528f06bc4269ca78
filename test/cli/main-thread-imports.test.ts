// What a command's main thread loads before its work's thread starts (command-thread.ts) is paid on every run, and the
// work's thread loads its own modules again: train's main thread loads the dashboard's server only with --dashboard
// (~40 ms of CPU a run without it), and prepare's leaves the tokenizer and the progress bar to prepare-thread.ts
// (~45 ms); train's reads the config, the adapter's config and the run folder's layout without the tokenizer, its chat
// templates (jinja) or the model saver (~70 ms of a run's main thread). Read from the sources' static imports (an `import type` is compiled away; a dynamic import() is lazy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '..', '..', 'src');

/** The modules under src/ that `entry` imports statically, directly or through others, as paths relative to src/. */
function staticImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [path.join(SRC, entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    const rel = path.relative(SRC, file);
    if (seen.has(rel)) continue;
    seen.add(rel);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;'"]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm)) {
      todo.push(path.resolve(path.dirname(file), m[1] ?? m[2]!));
    }
  }
  return seen;
}

test('the static import walk follows what the commands load: train reaches its config schema, prepare-thread the tokenizer', () => {
  assert.ok(staticImports('cli/train.ts').has(path.join('train', 'config.ts')));
  assert.ok(staticImports('cli/prepare-thread.ts').has(path.join('tokenizer', 'load.ts')));
  assert.ok(staticImports('cli/main.ts').has(path.join('cli', 'output-errors.ts')));
});

test('train\'s main thread does not load the dashboard\'s server unless --dashboard asks for it; prepare\'s does not load the tokenizer', () => {
  assert.equal(staticImports('cli/train.ts').has(path.join('dashboard', 'server.ts')), false);
  const prepare = staticImports('cli/prepare.ts');
  for (const m of ['tokenizer/index.ts', 'tokenizer/load.ts', 'util/progress.ts']) assert.equal(prepare.has(path.join(...m.split('/'))), false, m);
});

test('train\'s main thread does not load the tokenizer, its template engine or the model saver: only its work\'s thread needs them', () => {
  const train = staticImports('cli/train.ts');
  for (const m of ['tokenizer/load.ts', 'tokenizer/chat-template.ts', 'model/save.ts', 'model/save-tokenizer.ts']) assert.equal(train.has(path.join(...m.split('/'))), false, m);
  assert.ok(staticImports('cli/train-thread.ts').has(path.join('model', 'save.ts')), 'the work\'s thread still saves the model');
});
