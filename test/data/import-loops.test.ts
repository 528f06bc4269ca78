// The data modules import one another without a loop, type-only imports included: record.ts reads records through
// chat-record.ts, layouts.ts, record-fields.ts, ..., which took the record shapes' types (Rejection, FieldMap,
// DetectResult) from record.ts back; the shapes are record-shape.ts's, DetectResult detect-result.ts's.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const DATA = path.resolve(import.meta.dirname, '..', '..', 'src', 'data');

/** Each module under src/data (path relative to it) → the modules under src/data it imports or re-exports from. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const rel of fs.readdirSync(DATA, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(DATA, rel), 'utf8');
    const deps = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom '(\.[^']+)';/gms)]
      .map((m) => path.relative(DATA, path.resolve(DATA, path.dirname(rel), m[1]!)))
      .filter((d) => !d.startsWith('..'));
    graph.set(rel, deps);
  }
  return graph;
}

/** The first import loop found (its modules, the first repeated at the end), or null. */
function firstLoop(graph: Map<string, string[]>): string[] | null {
  const done = new Set<string>();
  const visit = (m: string, stack: string[]): string[] | null => {
    const at = stack.indexOf(m);
    if (at >= 0) return [...stack.slice(at), m];
    if (done.has(m)) return null;
    for (const d of graph.get(m) ?? []) {
      const loop = visit(d, [...stack, m]);
      if (loop) return loop;
    }
    done.add(m);
    return null;
  };
  for (const m of graph.keys()) {
    const loop = visit(m, []);
    if (loop) return loop;
  }
  return null;
}

test('no import loop among the data modules (type-only imports count: a loop through record.ts is one module that cannot be read alone)', () => {
  const graph = importGraph();
  assert.ok(graph.get('record.ts')?.includes('record-shape.ts'), 'the graph holds record.ts and its imports');
  assert.equal(firstLoop(graph)?.join(' -> ') ?? null, null);
});
