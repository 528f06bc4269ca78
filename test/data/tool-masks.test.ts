// Chats with tool use tokenized and masked as TRL 1.13 trains them (test/fixtures/trl-tool-masks/masks.json: Mistral-7B-
// Instruct-v0.3's template on the tekken-tiny tokenizer): every assistant turn trained, a tool call's [TOOL_CALLS] […]
// and its EOS among them; tool results, [AVAILABLE_TOOLS] and user turns not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectRecord } from '../../src/data/record.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import { parseJsonNotingNumbers } from '../../src/data/ingest/number-spellings.ts';
import { tekkenTinyWith } from '../tokenizer/helpers.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const V03 = fs.readFileSync(path.join(import.meta.dirname, '..', 'tokenizer', 'fixtures', 'chat-templates', 'v03_tools.jinja'), 'utf8');

interface Turn { message: number; span: number[]; how: string }
interface MaskCase { name: string; messages: unknown[]; tools: unknown[]; ids: number[]; turns: Turn[] }
// read as prepare's readers read a file (1.0 a float where a chat's tool use holds it), as TRL's json reads it
const { cases } = parseJsonNotingNumbers(fs.readFileSync(path.join(FIXTURES, 'trl-tool-masks', 'masks.json'), 'utf8')) as { cases: MaskCase[] };

const v03 = tekkenTinyWith(V03);

test("chats with tool calls are read and trained as TRL trains each assistant turn: the calls' [TOOL_CALLS] … </s> and the answers, nothing else", () => {
  assert.equal(cases.length, 6);
  for (const c of cases) {
    const det = detectRecord({ messages: c.messages, tools: c.tools }, 'generation');
    assert.ok('record' in det, `${c.name}: ${'detail' in det ? det.detail : ''}`);
    const { row } = tokenizeRecord(det.record, v03);
    assert.deepEqual([...row!.inputIds], c.ids, c.name);
    const trained = new Set(c.turns.flatMap((t) => t.span));
    assert.deepEqual([...row!.labels!], c.ids.map((id, t) => (trained.has(t) ? id : -100)), c.name);
  }
  // the call turn's span runs from [TOOL_CALLS] to the EOS
  const call = cases[0]!.turns[0]!.span;
  assert.equal(v03.decode([cases[0]!.ids[call[0]!]!], { skipSpecialTokens: false }), '[TOOL_CALLS]');
  assert.equal(cases[0]!.ids[call.at(-1)!], v03.eosId);
});
