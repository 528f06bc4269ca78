// The data layer stands below the model: no file under src/data imports from src/model (the batch
// contract lives in src/data/batch.ts, which the model imports).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DATA = path.join(ROOT, 'src', 'data');

test('no file under src/data imports from src/model', () => {
  const files = (fs.readdirSync(DATA, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 10, `files: ${files.join(' ')}`);
  const offenders: string[] = [];
  for (const f of files) {
    const file = path.join(DATA, f);
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) continue;
      const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
      if (target.startsWith(`src${path.sep}model${path.sep}`)) offenders.push(`src/data/${f} imports ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});
