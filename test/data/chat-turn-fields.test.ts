// Chat turns whose role or words are under another key than the one read ({"role", "text"}, {"Role", "Content"},
// ShareGPT's {"from", "content"}): read where that is certain, else rejected naming the turn's keys and the field
// options that read them — before, such a turn was "empty content" or "role is null" though its words were there.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadTally } from '../../src/data/read-tally.ts';
import { DEFAULT_FIELDS, detectRecord } from '../../src/data/record.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';

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
  // "value" is read where a turn has both and they hold the same words (or "content" none); of other words, the turn is
  // ambiguous: reading "value" lost "content" silently (record.test.ts 'two texts where one is read')
  assert.deepEqual(detectRecord({ conversations: [{ from: 'human', value: 'Q', content: 'Q' }, { from: 'gpt', value: 'A', content: '' }] }, 'generation'), { ...READ, layout: 'sharegpt' });
  assert.match(detail({ conversations: [{ from: 'human', value: 'Q', content: 'x' }, { from: 'gpt', value: 'A' }] }), /^unknown_shape: ambiguous record: "conversations\[0\]\.value" and "conversations\[0\]\.content"/);
});

test('a list of ShareGPT turns under another key is read by --field messages alone: the hint asks for no role/content fields', () => {
  // before: "--field messages=Conversations with --field role=KEY and --field content=KEY reads them"
  assert.match(detail({ Conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] }), /--field messages=Conversations reads them, else/);
  assert.deepEqual(detectRecord({ Conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] }, 'generation', { ...DEFAULT_FIELDS, messages: 'Conversations' }), { ...READ, layout: 'sharegpt' });
});

test('a content key is offered only where following it keeps the record and never an id or a time: the turn is empty as before', () => {
  // before: "--field content=id reads it", and following it trained on the message ids
  const ids = { messages: [{ role: 'system', id: 'msg_0' }, { role: 'user', content: 'Q', id: 'msg_1' }, { role: 'assistant', content: 'A', id: 'msg_2' }] };
  assert.deepEqual(detectRecord(ids, 'generation'), READ);
  // before: rejected whole (an empty system turn's metadata named as its keys); the empty system turn is dropped
  const meta = { messages: [{ role: 'system', created_at: 1700000000, metadata: {} }, { role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] };
  assert.deepEqual(detectRecord(meta, 'generation'), READ);
  // where no turn has "content", ids and times are never its words
  for (const key of ['id', 'msg_id', 'messageId', 'created_at', 'createdAt', 'timestamp']) {
    assert.equal(detail(chat({ role: 'user', [key]: 'x1' }, { role: 'assistant', [key]: 'x2' })), 'empty: messages[0] (user) has empty content', key);
  }
  assert.equal(detail(chat({ role: 'user', id: 'm1', text: 'Q' }, { role: 'assistant', id: 'm2', text: 'A' })),
    'unknown_shape: messages[0] has no "content" (keys: "role", "id", "text"); --field content=text reads it');
  // a user turn with its words under another key beside turns with "content" is named, with no hint: content=text
  // would unread the others (before: "empty: messages[0] (user) has empty content")
  assert.equal(detail({ messages: [{ role: 'user', text: 'Q' }, { role: 'assistant', content: 'A' }] }), 'unknown_shape: messages[0] has no "content" (keys: "role", "text")');
});

test('a system prompt under another key beside turns with "content" is named, not dropped', () => {
  const pirate = 'You are a pirate. Answer only in pirate speech.';
  const withSystem = (system: object) => ({ messages: [system, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'arr matey' }] });
  // before: kept without its system turn, no warning
  for (const key of ['text', 'Content', 'system_prompt']) {
    assert.equal(detail(withSystem({ role: 'system', [key]: pirate })), `unknown_shape: messages[0] has no "content" (keys: "role", "${key}")`, key);
  }
  assert.equal(detail({ conversations: [{ from: 'system', text: pirate }, { from: 'human', value: 'hi' }, { from: 'gpt', value: 'arr matey' }] }),
    'unknown_shape: conversations[0] has no "value" (keys: "from", "text")');
  // an answer's words under another key: its keys, not "(assistant) has empty content"
  assert.equal(detail(chat({ role: 'user', content: 'hi' }, { role: 'assistant', answer: 'yo' })),
    'unknown_shape: messages[1] has no "content" (keys: "role", "answer")');
  // with only ids, times and metadata beside its role the system turn is empty, and dropped, as before
  assert.deepEqual(detectRecord({ messages: [{ role: 'system', id: 'm0', created_at: '2024-01-01T00:00:00Z', metadata: {} }, { role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] }, 'generation'), READ);
});

test('turns without "content" are read in time linear in the chat\'s length (counted: turns looked at)', () => {
  // before: each turn without "content" scanned the whole chat for one with it (32,000 turns: 21.7 s)
  const n = 2000;
  const raw = [...Array.from({ length: n }, () => ({ role: 'system', id: 'x' })), { role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }];
  let looks = 0;
  const counted = new Proxy(raw, { get: (t, k, r) => { if (typeof k === 'string' && /^\d+$/.test(k)) looks++; return Reflect.get(t, k, r); } });
  assert.deepEqual(detectRecord({ messages: counted }, 'generation'), READ);
  assert.ok(looks < 10 * n, `${looks} turns looked at for ${n}`);
});

test('a role hint is offered with its speaker key, matched in any case, and the content option it needs', () => {
  // before: "--field content=Content reads it", then "has no "role"" with no hint
  assert.equal(detail(chat({ Speaker: 'user', Content: 'Q' }, { Speaker: 'assistant', Content: 'A' })),
    'invalid_roles: messages[0] has no "role" (keys: "Speaker", "Content"); --field role=Speaker --field content=Content reads them');
  assert.equal(detail(chat({ Author: 'user', text: 'Q' }, { Author: 'assistant', text: 'A' })),
    'invalid_roles: messages[0] has no "role" (keys: "Author", "text"); --field role=Author --field content=text reads them');
  // no speaker key: no option for the content alone, which would be rejected for its role next
  assert.equal(detail(chat({ who: 'user', Content: 'Q' }, { who: 'assistant', Content: 'A' })), 'invalid_roles: messages[0] has no "role" (keys: "who", "Content")');
  // a speaker whose names are no roles: an option that would not read the chat is not offered
  assert.equal(detail(chat({ speaker: 'Alice', content: 'Q' }, { speaker: 'Bob', content: 'A' })), 'invalid_roles: messages[0] has no "role" (keys: "speaker", "content")');
});

test('conversational prompt/completion turns are named by their own keys, and a hint that would break the completion is not offered', () => {
  const pair = (prompt: object, completion: object) => ({ prompt: [prompt], completion: [completion] });
  // before: keys "role", "text", "weight" (a weight 0 the reader had added to the prompt's turns)
  assert.equal(detail(pair({ role: 'user', text: 'Q' }, { role: 'assistant', text: 'A' })),
    'unknown_shape: prompt+completion[0] has no "content" (keys: "role", "text"); --field content=text reads it');
  // before: "--field content=text reads it", which then left the completion without its words (then: "empty content")
  assert.equal(detail(pair({ role: 'user', text: 'Q' }, { role: 'assistant', content: 'A' })), 'unknown_shape: prompt+completion[0] has no "content" (keys: "role", "text")');
  // the prompt's assistant turns stay context
  const det = detectRecord({ prompt: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A0', weight: 1 }, { role: 'user', content: 'Q2' }], completion: [{ role: 'assistant', content: 'A' }] }, 'generation');
  assert.deepEqual('record' in det && det.record.shape === 'chat' ? det.record.messages.map((m) => m.weight) : det, [undefined, 0, undefined, undefined]);
});

test('--field content=KEY is read from ShareGPT turns that also have "value": the option given wins', () => {
  const v = { conversations: [{ from: 'human', value: '<p>Q</p>', markdown: 'Q' }, { from: 'gpt', value: '<p>A</p>', markdown: 'A' }] };
  // before: the "value" was trained
  assert.deepEqual(detectRecord(v, 'generation', { ...DEFAULT_FIELDS, content: 'markdown' }), { ...READ, layout: 'sharegpt' });
});

test('every field option a turn hint offers reads the record when followed', () => {
  const records: unknown[] = [
    chat({ role: 'user', text: 'Q' }, { role: 'assistant', text: 'A' }),
    chat({ role: 'user', value: 'Q', name: 'bob' }, { role: 'assistant', value: 'A' }),
    chat({ Role: 'user', Content: 'Q' }, { Role: 'assistant', Content: 'A' }),
    chat({ speaker: 'user', content: 'Q' }, { speaker: 'assistant', content: 'A' }),
    chat({ Speaker: 'user', Content: 'Q' }, { Speaker: 'assistant', Content: 'A' }),
    chat({ Author: 'user', text: 'Q' }, { Author: 'assistant', text: 'A' }),
    chat({ role: 'user', id: 'm1', text: 'Q' }, { role: 'assistant', id: 'm2', text: 'A' }),
    { messages: [{ role: 'system', text: '' }, { role: 'user', text: 'Q' }, { role: 'assistant', text: 'A' }] },
    { messages: [{ role: 'system', text: 'S' }, { role: 'user', text: 'Q' }, { role: 'assistant', text: 'A' }] },
    { prompt: [{ role: 'user', text: 'Q' }], completion: [{ role: 'assistant', text: 'A' }] },
    { conversations: [{ from: 'human', text: 'Q' }, { from: 'gpt', text: 'A' }] },
  ];
  for (const v of records) {
    const said = detail(v);
    const options = [...said.matchAll(/--field (\w+)=(\S+)/g)];
    assert.ok(options.length > 0, `no hint: ${said}`);
    const fields = { ...DEFAULT_FIELDS, ...Object.fromEntries(options.map((o) => [o[1], o[2]])) };
    assert.equal(detail(v, fields), 'kept', `${JSON.stringify(v)}: ${said}`);
  }
});

test('a turn\'s "name" (the speaker\'s, OpenAI\'s field) is kept as given, and prepare\'s report says nothing of it', () => {
  // before: {role, content} alone was kept and the report counted the chats; transformers passes "name" to the chat template
  const named = (i: number) => ({ messages: [{ role: 'user', name: 'alice', content: `Question ${i}?` }, { role: 'assistant', name: 'bot', content: `Answer ${i}.` }] });
  assert.deepEqual(detectRecord(named(1), 'generation'),
    { record: { shape: 'chat', messages: [{ role: 'user', name: 'alice', content: 'Question 1?' }, { role: 'assistant', name: 'bot', content: 'Answer 1.' }] } });
  const tally = new ReadTally();
  const rows = [named(1), named(2), { messages: [{ role: 'user', content: 'Plain?', name: '' }, { role: 'assistant', content: 'Plain.' }] }];
  for (const r of rows) {
    const det = detectRecord(r, 'generation');
    assert.ok('record' in det);
    tally.count(det);
  }
  assert.deepEqual(tally.warnings('text', FLAG_WORDS).filter((w) => w.includes('"name"')), []);
});
