// Chat turns whose role or words are under another key than the one read ({"role", "text"}, {"Role", "Content"},
// ShareGPT's {"from", "content"}): read where that is certain, else rejected naming the turn's keys and the field
// options that read them — before, such a turn was "empty content" or "role is null" though its words were there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_FIELDS, detectRecord } from '../../src/data/record.ts';

const detail = (v: unknown, fields = DEFAULT_FIELDS) => {
  const det = detectRecord(v, 'generation', fields);
  return 'reason' in det ? `${det.reason}: ${det.detail}` : 'kept';
};
const chat = (user: object, assistant: object) => ({ messages: [user, assistant] });
const READ = { record: { shape: 'chat', messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] } };

test('a turn whose words are under another key is rejected naming its keys and the --field that reads them', () => {
  // before: empty: messages[0] (user) has empty content
  assert.equal(detail(chat({ role: 'user', text: 'Q' }, { role: 'assistant', text: 'A' })),
    'unknown_shape: messages[0] has no "content" (keys: "role", "text"); --field content=text reads it');
  assert.equal(detail(chat({ role: 'user', value: 'Q', name: 'bob' }, { role: 'assistant', value: 'A' })),
    'unknown_shape: messages[0] has no "content" (keys: "role", "value", "name"); --field content=value reads it');
  // before: invalid_roles: messages[0].role is null
  assert.equal(detail(chat({ Role: 'user', Content: 'Q' }, { Role: 'assistant', Content: 'A' })),
    'invalid_roles: messages[0] has no "role" (keys: "Role", "Content"); --field role=Role --field content=Content reads them');
  assert.equal(detail(chat({ speaker: 'user', content: 'Q' }, { speaker: 'assistant', content: 'A' })),
    'invalid_roles: messages[0] has no "role" (keys: "speaker", "content"); --field role=speaker reads it');
  assert.equal(detail(chat({ user: 'Q' }, { assistant: 'A' })), 'invalid_roles: messages[0] has no "role" (keys: "user")');
  // and those options read them
  assert.deepEqual(detectRecord(chat({ role: 'user', text: 'Q' }, { role: 'assistant', text: 'A' }), 'generation', { ...DEFAULT_FIELDS, content: 'text' }), READ);
  assert.deepEqual(detectRecord(chat({ Role: 'user', Content: 'Q' }, { Role: 'assistant', Content: 'A' }), 'generation', { ...DEFAULT_FIELDS, role: 'Role', content: 'Content' }), READ);
  // words in a form not read (Gemini's parts) are named by the keys alone: --field content=parts would not read them
  assert.equal(detail(chat({ role: 'user', parts: [{ text: 'Q' }] }, { role: 'assistant', parts: [{ text: 'A' }] })),
    'unknown_shape: messages[0] has no "content" (keys: "role", "parts")');
  // a turn with nothing else to read is as before: an empty system turn dropped, an empty answer empty
  assert.deepEqual(detectRecord({ messages: [{ role: 'system' }, { role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] }, 'generation'), READ);
  assert.equal(detail(chat({ role: 'user', content: 'Q' }, { role: 'assistant', content: null })), 'empty: messages[1] (assistant) has empty content');
});

test('ShareGPT turns with their words under "content" (or the key --field content names) are read', () => {
  const sharegpt = (key: string) => ({ conversations: [{ from: 'human', [key]: 'Q' }, { from: 'gpt', [key]: 'A' }] });
  // before: empty: conversations[0] (user) has empty content, and --field content=content could not read them
  assert.deepEqual(detectRecord(sharegpt('content'), 'generation'), { ...READ, layout: 'sharegpt' });
  assert.equal(detail(sharegpt('text')), 'unknown_shape: conversations[0] has no "value" (keys: "from", "text"); --field content=text reads it');
  assert.deepEqual(detectRecord(sharegpt('text'), 'generation', { ...DEFAULT_FIELDS, content: 'text' }), { ...READ, layout: 'sharegpt' });
  // "value" wins where a turn has both, as before
  assert.deepEqual(detectRecord({ conversations: [{ from: 'human', value: 'Q', content: 'x' }, { from: 'gpt', value: 'A' }] }, 'generation'), { ...READ, layout: 'sharegpt' });
});

test('a list of ShareGPT turns under another key is read by --field messages alone: the hint asks for no role/content fields', () => {
  // before: "--field messages=Conversations with --field role=KEY and --field content=KEY reads them"
  assert.match(detail({ Conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] }), /--field messages=Conversations reads them, else/);
  assert.deepEqual(detectRecord({ Conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] }, 'generation', { ...DEFAULT_FIELDS, messages: 'Conversations' }), { ...READ, layout: 'sharegpt' });
});
