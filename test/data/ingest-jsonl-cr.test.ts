// JSON Lines whose lines end with lone CRs in a file that lines.ts reads by LF (CR-only lines appended to an LF file).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonl } from '../../src/data/ingest/jsonl.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();

test('JSON Lines: records ended by lone CRs inside an LF line are read one by one, at that line; a CR within a record is whitespace', () => {
  // before: the CR-ended records were one invalid_json record ("more than one JSON value ... Put each on its own line")
  const f = writeFiles(dir, {
    'mixed.jsonl': '{"text": "lf"}\n'.repeat(6) + '{"text": "cr one"}\r{"text": "cr two"}\r{"text": nope}\r{"text": "cr three"}\r\n{\r"text": "pretty"\r}\n',
  })['mixed.jsonl']!;
  const items = [...readJsonl(f)];
  assert.deepEqual(items.slice(5).map((i) => [i.line, i.error?.reason ?? (i.value as { text: string }).text]), [
    [6, 'lf'], [7, 'cr one'], [7, 'cr two'], [7, 'invalid_json'], [7, 'cr three'], [8, 'pretty'],
  ]);
  assert.equal(items[8]!.raw, '{"text": nope}');
});
