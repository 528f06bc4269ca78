// Shape detection, validation and normalisation of single records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonText } from '../../src/data/ingest/python-json.ts';
import { DEFAULT_FIELDS, canonicalContent, comparableParts, detectRecord, labelHeld, textFields } from '../../src/data/record.ts';

const gen = (v: unknown) => detectRecord(v, 'generation');
const cls = (v: unknown) => detectRecord(v, 'classification');
const reason = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? r.reason : 'ok');

test('the five shapes are detected and normalised', () => {
  assert.deepEqual(gen({ text: ' Hello\u00a0world \r\n' }), { record: { shape: 'text', text: 'Hello world' } });
  assert.deepEqual(gen({ prompt: 'Q', completion: 'A', extra: 1 }), { record: { shape: 'prompt_completion', prompt: 'Q', completion: 'A' } });
  assert.deepEqual(gen({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] }), {
    record: { shape: 'chat', messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] },
  });
  assert.deepEqual(cls({ text: 'good', label: 'pos' }), { record: { shape: 'classification', text: 'good', label: 'pos' } });
  assert.deepEqual(cls({ text: 'good', label: ' 2 ' }), { record: { shape: 'classification', text: 'good', label: 2 } });
  assert.deepEqual(gen({ input_ids: [1, 2, 3], labels: [-100, 2, 3] }), { record: { shape: 'pretokenized', inputIds: [1, 2, 3], labels: [-100, 2, 3] } });
  assert.deepEqual(cls({ input_ids: [1, 2], label: 1 }), { record: { shape: 'pretokenized', inputIds: [1, 2], label: 1 } });
});

test('field remapping, including role and content keys inside messages', () => {
  const fields = { ...DEFAULT_FIELDS, text: 'body', messages: 'conversation', role: 'from', content: 'value', label: 'y' };
  assert.deepEqual(detectRecord({ body: 'x' }, 'generation', fields), { record: { shape: 'text', text: 'x' } });
  // from/value turns are ShareGPT's: read as that layout (human/gpt would be mapped too)
  assert.deepEqual(detectRecord({ conversation: [{ from: 'user', value: 'u' }, { from: 'assistant', value: 'a' }] }, 'generation', fields), {
    record: { shape: 'chat', messages: [{ role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }] },
    layout: 'sharegpt',
  });
  assert.deepEqual(detectRecord({ body: 'x', y: 'z' }, 'classification', fields), { record: { shape: 'classification', text: 'x', label: 'z' } });
  assert.equal(reason(detectRecord({ text: 'x' }, 'generation', fields)), 'unknown_shape');
});

test('JSON held in a CSV cell (messages, input_ids) is parsed', () => {
  assert.equal(reason(gen({ messages: '[{"role":"user","content":"u"},{"role":"assistant","content":"a"}]' })), 'ok');
  assert.equal(reason(gen({ input_ids: '[1, 2]', labels: '' })), 'ok');
  // a cell cut short (Excel keeps 32,767 characters) is JSON that does not parse, not "a string, not an array"
  const cut = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail.replace(/\(.*\)/, '(…)')}` : 'ok');
  assert.equal(cut(gen({ messages: '[{"role":"user","content":"u"},{"role":"assis' })),
    'unknown_shape: "messages" holds text that starts as a JSON array but does not parse (…): a cell cut short?');
  assert.equal(cut(gen({ input_ids: '[1, 2, 3' })), 'invalid_tokens: "input_ids" holds text that starts as a JSON array but does not parse (…): a cell cut short?');
  assert.deepEqual(gen({ messages: 'hello' }), { reason: 'unknown_shape', detail: '"messages" is a string, not an array' });
});

test('rejections: unknown and ambiguous shapes, wrong task, empty fields, roles, labels, tokens', () => {
  const cases: Array<[unknown, 'generation' | 'classification', string]> = [
    [[1, 2], 'generation', 'unknown_shape'],
    ['just a string', 'generation', 'unknown_shape'],
    [{ foo: 'bar' }, 'generation', 'unknown_shape'],
    [{ text: 'a', messages: [{ role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }] }, 'generation', 'unknown_shape'],
    [{ prompt: 'only a prompt' }, 'generation', 'unknown_shape'],
    [{ text: [42] }, 'generation', 'unknown_shape'],
    [{ text: 'labelled', label: 'x' }, 'generation', 'wrong_task'],
    [{ messages: [] }, 'classification', 'wrong_task'],
    [{ prompt: 'p', completion: 'c' }, 'classification', 'wrong_task'],
    [{ text: '  \u200b ' }, 'generation', 'empty'],
    [{ text: null }, 'generation', 'empty'],
    [{ prompt: 'p', completion: ' ' }, 'generation', 'empty'],
    [{ messages: [{ role: 'user', content: 'u' }, { role: 'assistant', content: '' }] }, 'generation', 'empty'],
    [{ messages: [{ role: 'user', content: 'u' }] }, 'generation', 'invalid_roles'],
    [{ messages: [{ role: 'assistant', content: 'a' }] }, 'generation', 'invalid_roles'],
    [{ messages: [{ role: 'user', content: 'u' }, { role: 'user', content: 'v' }, { role: 'assistant', content: 'a' }] }, 'generation', 'invalid_roles'],
    [{ messages: [{ role: 'user', content: 'u' }, { role: 'system', content: 's' }, { role: 'assistant', content: 'a' }] }, 'generation', 'invalid_roles'],
    [{ messages: [{ role: 'human', content: 'u' }, { role: 'assistant', content: 'a' }] }, 'generation', 'invalid_roles'],
    [{ messages: [] }, 'generation', 'invalid_roles'],
    [{ messages: 'not json' }, 'generation', 'unknown_shape'],
    [{ text: 'no label' }, 'classification', 'missing_label'],
    [{ text: 'blank label', label: '  ' }, 'classification', 'missing_label'],
    [{ text: 'bad label', label: 1.5 }, 'classification', 'unknown_label'],
    [{ text: 'bad label', label: { a: 1 } }, 'classification', 'unknown_label'],
    [{ input_ids: [1, -5] }, 'generation', 'invalid_tokens'],
    [{ input_ids: [] }, 'generation', 'invalid_tokens'],
    [{ input_ids: [1, 2], labels: [1] }, 'generation', 'invalid_tokens'],
    [{ input_ids: [1, 2], label: 0 }, 'generation', 'wrong_task'],
  ];
  for (const [v, task, want] of cases) assert.equal(reason(detectRecord(v, task)), want, JSON.stringify(v));
  assert.equal(reason(detectRecord({ input_ids: [1, 600] }, 'generation', DEFAULT_FIELDS, 512)), 'invalid_tokens');
});

test('a classification record without its label field names the fields that may hold it, as one without its text field does (was: no "label" field, alone)', () => {
  const detail = (v: unknown) => {
    const r = cls(v);
    assert.ok('reason' in r && r.reason === 'missing_label', JSON.stringify(v));
    return r.detail;
  };
  assert.equal(detail({ text: 'good film', labels: 1 }), 'no "label" field; --field label=labels reads it as the label');
  assert.equal(detail({ text: 'good film', sentiment: 'positive', idx: 3 }), 'no "label" field; --field label=sentiment reads it as the label');
  assert.equal(detail({ text: 'good film', category: 'a', stars: 5 }), 'no "label" field; name the label field: --field label=category or --field label=stars');
  // no field to name: the text's own, an id, or nothing
  assert.equal(detail({ text: 'good film', id: 7 }), 'no "label" field');
  assert.equal(detail({ text: 'blank label', label: '  ', sentiment: 'x' }), '"label" is empty');
});

test("an assistant turn's reasoning kept apart from its content (reasoning_content, thinking, reasoning) is refused, as a thinking part of the content is (was: dropped unseen, the turn trained without it)", () => {
  const chat = (extra: Record<string, unknown>) => ({ messages: [{ role: 'user', content: 'What is 2+2?' }, { role: 'assistant', content: '4', ...extra }] });
  for (const key of ['reasoning_content', 'thinking', 'reasoning']) {
    const r = gen(chat({ [key]: 'Two and two make four.' }));
    assert.ok('reason' in r && r.reason === 'unknown_shape', key);
    assert.equal(r.detail, `messages[1] holds reasoning apart from its content ("${key}"), which is not read: only content is trained; write the reasoning into content as the model's template shows it (e.g. <think>…</think> before the answer), or remove "${key}" to train without it`);
  }
  // empty or null, as exports write it for a turn without reasoning: the chat is read
  assert.equal(reason(gen(chat({ reasoning_content: '' }))), 'ok');
  assert.equal(reason(gen(chat({ reasoning_content: null }))), 'ok');
});

test('an empty system turn is dropped, not the record', () => {
  assert.deepEqual(gen({ messages: [{ role: 'system', content: ' ' }, { role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }] }), {
    record: { shape: 'chat', messages: [{ role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }] },
  });
});

test('canonical content ignores serialisation (key order, whitespace, NFC) and a classification label', () => {
  const a = gen({ prompt: 'Caf\u00e9', completion: 'x' }), b = gen({ completion: 'x  ', prompt: ' Cafe\u0301' });
  assert.ok('record' in a && 'record' in b);
  assert.equal(canonicalContent(a.record), canonicalContent(b.record));
  const c = cls({ text: 't', label: 1 }), d = cls({ text: 't', label: 2 });
  assert.ok('record' in c && 'record' in d);
  assert.equal(canonicalContent(c.record), canonicalContent(d.record));
  const e = gen({ text: 'x' }), f = gen({ prompt: 'x', completion: 'x' });
  assert.ok('record' in e && 'record' in f);
  assert.notEqual(canonicalContent(e.record), canonicalContent(f.record));
});

test('canonical content leaves out soft hyphens and a ZWJ after a Latin letter (they render as nothing there), never an emoji sequence\'s ZWJ; the text keeps them', () => {
  // "co\u00ADoperate" and "cooperate" were two contents: both kept, in any split, with --dedup exact
  const key = (v: Record<string, unknown>): string => {
    const r = gen(v);
    assert.ok('record' in r);
    return canonicalContent(r.record);
  };
  assert.equal(key({ text: 'co\u00ADoperate now' }), key({ text: 'cooperate now' }));
  assert.equal(key({ text: 'ab\u200Dc' }), key({ text: 'abc' }));
  assert.equal(key({ text: '\u0445\u043E\u0440\u200D\u043E\u0448\u043E' }), key({ text: '\u0445\u043E\u0440\u043E\u0448\u043E' })); // Cyrillic: joins nothing either
  assert.equal(key({ text: '\u03BA\u03B1\u03BB\u200D\u03B7' }), key({ text: '\u03BA\u03B1\u03BB\u03B7' })); // Greek
  assert.equal(key({ prompt: 'Re\u00ADply: ', completion: 'ok' }), key({ prompt: 'Reply: ', completion: 'ok' }));
  assert.equal(key({ messages: [{ role: 'user', content: 'hyphen\u00ADation?' }, { role: 'assistant', content: 'yes' }] }), key({ messages: [{ role: 'user', content: 'hyphenation?' }, { role: 'assistant', content: 'yes' }] }));
  assert.notEqual(key({ text: 'family \u{1F468}\u200D\u{1F469}\u200D\u{1F467}' }), key({ text: 'family \u{1F468}\u{1F469}\u{1F467}' }));
  assert.notEqual(key({ text: '\u0915\u094D\u200D\u0937' }), key({ text: '\u0915\u094D\u0937' })); // Devanagari: a half form
  assert.deepEqual(gen({ text: 'co\u00ADoperate' }), { record: { shape: 'text', text: 'co\u00ADoperate' } });
  // before: a ZWJ after a soft hyphen, after another folded ZWJ or after a combining mark on a Latin letter was kept in the key
  assert.equal(key({ text: 'co\u00AD\u200Doperate' }), key({ text: 'cooperate' }));
  assert.equal(key({ text: 'co\u200D\u00ADoperate' }), key({ text: 'cooperate' }));
  assert.equal(key({ text: 'ab\u200D\u200Dc' }), key({ text: 'abc' }));
  assert.equal(key({ text: 'q\u0301\u200Dx' }), key({ text: 'q\u0301x' }));
  assert.notEqual(key({ text: 'family \u{1F468}\u200D\u200D\u{1F469}' }), key({ text: 'family \u{1F468}\u{1F469}' }));
  assert.notEqual(key({ text: 'family \u{1F468}\u00AD\u200D\u{1F469}' }), key({ text: 'family \u{1F468}\u{1F469}' }));
  assert.notEqual(key({ text: 'heart \u2764\uFE0F\u200D\u{1F525}' }), key({ text: 'heart \u2764\uFE0F\u{1F525}' }));
  // before: a ZWJ between a Latin letter and an Arabic one was folded, though the Arabic letter takes its joined form there
  assert.notEqual(key({ text: 'x\u200D\u0645' }), key({ text: 'x\u0645' }));
  assert.notEqual(key({ text: 'x\u0301\u200D\u0645' }), key({ text: 'x\u0301\u0645' }));
  assert.notEqual(key({ text: 'x\u200D\u064E\u0645' }), key({ text: 'x\u064E\u0645' }));
  assert.equal(key({ text: 'x\u200D\u200D\u0645' }), key({ text: 'x\u200D\u0645' }));
});

test('chats of the same text that train other turns (weight 0 elsewhere) are other examples: neither copies nor near copies', () => {
  // before: canonicalContent and comparableParts left weight out, so the second was a duplicate of the first
  const chat = (w1: 0 | 1, w2: 0 | 1) => gen({ messages: [{ role: 'user', content: 'Hi there' }, { role: 'assistant', content: 'Hello, how can I help?', weight: w1 },
    { role: 'user', content: 'Largest planet?' }, { role: 'assistant', content: 'Jupiter, by far.', weight: w2 }] });
  const first = chat(1, 0), second = chat(0, 1), both = chat(1, 1);
  assert.ok('record' in first && 'record' in second && 'record' in both);
  assert.notEqual(canonicalContent(first.record), canonicalContent(second.record));
  // the parts compared are what is read as context (user turns, untrained assistant turns) and what is trained
  assert.deepEqual(comparableParts(first.record), ['hi there\nlargest planet?\njupiter, by far.', 'hello, how can i help?']);
  assert.deepEqual(comparableParts(second.record), ['hi there\nhello, how can i help?\nlargest planet?', 'jupiter, by far.']);
  assert.deepEqual(comparableParts(both.record), ['hi there\nlargest planet?', 'hello, how can i help?\njupiter, by far.']); // as before
  assert.equal(canonicalContent(both.record), JSON.stringify(['chat', [['user', 'Hi there'], ['assistant', 'Hello, how can I help?'], ['user', 'Largest planet?'], ['assistant', 'Jupiter, by far.']]]));
});

test('{prompt, completion}: the whitespace where they meet is kept (normalised), the outer ends are trimmed', () => {
  assert.deepEqual(gen({ prompt: '  ### Response:\r\n', completion: ' The answer.  \n' }), { record: { shape: 'prompt_completion', prompt: '### Response:\n', completion: ' The answer.' } });
  assert.deepEqual(gen({ prompt: 'Q:\u00a0', completion: '\n\n\n\nA' }), { record: { shape: 'prompt_completion', prompt: 'Q: ', completion: '\n\nA' } });
  assert.equal((gen({ prompt: ' \n ', completion: 'A' }) as { reason: string }).reason, 'empty');
  assert.equal((gen({ prompt: 'Q', completion: '\n \u200b' }) as { reason: string }).reason, 'empty');
});

test('common layouts without --field: ShareGPT, Alpaca, Dolly and question/answer pairs become chats; the layout is named', () => {
  const chat = (...turns: Array<[string, string]>) => ({ shape: 'chat', messages: turns.map(([role, content]) => ({ role, content })) });
  assert.deepEqual(gen({ id: 7, conversations: [{ from: 'system', value: 'S' }, { from: 'human', value: 'U' }, { from: 'gpt', value: 'A' }] }),
    { record: chat(['system', 'S'], ['user', 'U'], ['assistant', 'A']), layout: 'sharegpt' });
  assert.deepEqual(gen({ messages: [{ from: 'Human', value: 'U' }, { from: 'model', value: 'A' }] }), { record: chat(['user', 'U'], ['assistant', 'A']), layout: 'sharegpt' });
  assert.deepEqual(gen({ instruction: 'Translate to French', input: 'Good morning', output: 'Bonjour' }),
    { record: chat(['user', 'Translate to French\n\nGood morning'], ['assistant', 'Bonjour']), layout: 'instruction_pairs' });
  assert.deepEqual(gen({ instruction: 'Name a colour', input: '', output: 'Red' }), { record: chat(['user', 'Name a colour'], ['assistant', 'Red']), layout: 'instruction_pairs' });
  assert.deepEqual(gen({ instruction: 'Sum up', context: 'Long text', response: 'Short', category: 'summarization' }),
    { record: chat(['user', 'Sum up\n\nLong text'], ['assistant', 'Short']), layout: 'instruction_pairs' });
  assert.deepEqual(gen({ system: 'Be brief', question: 'Why?', answer: 'Because' }), { record: chat(['system', 'Be brief'], ['user', 'Why?'], ['assistant', 'Because']), layout: 'instruction_pairs' });
  assert.deepEqual(gen({ prompt: 'P', response: 'R' }), { record: chat(['user', 'P'], ['assistant', 'R']), layout: 'instruction_pairs' });
  assert.deepEqual(gen({ input: 'I', output: 'O' }), { record: chat(['user', 'I'], ['assistant', 'O']), layout: 'instruction_pairs' });
  // an input that stands for none (pandas' "nan", "None", self-instruct's "<noinput>") is left out, and said so
  for (const input of ['nan', ' None ', 'N/A', '<noinput>', '<No Input>']) {
    assert.deepEqual(gen({ instruction: 'Name a colour', input, output: 'Red' }),
      { record: chat(['user', 'Name a colour'], ['assistant', 'Red']), layout: 'instruction_pairs', noInput: { key: 'input', text: input.trim() } }, input);
  }
  assert.deepEqual(gen({ instruction: 'Sum up', context: 'null', response: 'Short' }),
    { record: chat(['user', 'Sum up'], ['assistant', 'Short']), layout: 'instruction_pairs', noInput: { key: 'context', text: 'null' } });
  assert.deepEqual(gen({ instruction: 'Spell it', input: 'nano', output: 'n-a-n-o' }), { record: chat(['user', 'Spell it\n\nnano'], ['assistant', 'n-a-n-o']), layout: 'instruction_pairs' });
  // what is wrong is named in the input's own terms
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  assert.match(detail(gen({ conversations: [{ from: 'human', value: 'U' }, { from: 'function_call', value: 'f()' }] })), /^invalid_roles: conversations\[1\]\.from is "function_call"/);
  assert.match(detail(gen({ conversations: [{ from: 'human', value: 'U' }, { from: 'gpt', value: '' }] })), /^empty: conversations\[1\]/);
  // a speaker named as a property every object inherits is no role either, and is named as written
  for (const from of ['__proto__', 'constructor', 'hasOwnProperty']) {
    assert.match(detail(gen({ conversations: [{ from, value: 'U' }, { from: 'gpt', value: 'A' }] })), new RegExp(`^invalid_roles: conversations\\[0\\]\\.from is "${from}"`));
  }
  assert.equal(detail(gen({ instruction: 'Do it', output: '  ' })), 'empty: "output" is empty');
  // an Alpaca record whose instruction is null or empty, with an input: the input is the user turn
  assert.deepEqual(gen({ instruction: null, input: 'Translate: chat', output: 'cat' }), { record: chat(['user', 'Translate: chat'], ['assistant', 'cat']), layout: 'instruction_pairs' });
  assert.deepEqual(gen({ instruction: ' ', input: 'Sum 2 and 2', output: '4' }), { record: chat(['user', 'Sum 2 and 2'], ['assistant', '4']), layout: 'instruction_pairs' });
  assert.equal(detail(gen({ instruction: '', input: null, output: 'O' })), 'empty: "instruction" is empty');
  // so is one whose instruction stands for a missing one (pandas' NaN written as "nan", self-instruct's "<noinput>"), said
  // so; not "nan\n\n…" trained
  for (const instruction of ['nan', 'NaN', ' None ', 'null', 'N/A', '<noinput>']) {
    assert.deepEqual(gen({ instruction, input: 'Translate: chat', output: 'cat' }),
      { record: chat(['user', 'Translate: chat'], ['assistant', 'cat']), layout: 'instruction_pairs', noInput: { key: 'instruction', text: instruction.trim() } }, instruction);
  }
  // without an input it is the user turn: detection reads it (checkRecord, later, rejects it as a placeholder); a word
  // that only holds "nan" is text
  assert.equal(detail(gen({ instruction: 'nan', output: 'cat' })), 'ok');
  assert.deepEqual(gen({ instruction: 'nano', input: 'x', output: 'y' }), { record: chat(['user', 'nano\n\nx'], ['assistant', 'y']), layout: 'instruction_pairs' });
  assert.deepEqual(gen({ question: 'Q', answer: 42 }), { record: chat(['user', 'Q'], ['assistant', '42']), layout: 'instruction_pairs', stringified: { key: 'answer', text: '42' } });
  assert.equal(detail(gen({ question: 'Q', answer: { text: 'A' } })), 'unknown_shape: "answer" is an object, not a string');
  assert.equal(reason(cls({ question: 'Q', answer: 'A' })), 'wrong_task');
  // a canonical field wins: these are read as before
  assert.deepEqual(gen({ text: 'T', output: 'O' }), { record: { shape: 'text', text: 'T' } });
  // (a response beside them the completion does not hold is ambiguous: see 'two texts where one is read' below)
  assert.equal(reason(gen({ prompt: 'P', completion: 'C', response: 'C' })), 'ok');
  assert.equal('layout' in gen({ prompt: 'P', completion: 'C', response: 'C' }), false);
});

test('Alpaca and Dolly rows merged into one table: the field with words is read; a second answer or input of other words is ambiguous, not lost', () => {
  const chat = (...turns: Array<[string, string]>) => ({ shape: 'chat', messages: turns.map(([role, content]) => ({ role, content })) });
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  // a Dolly row of the merged table: Alpaca's "input" and "output" empty, null or pandas' "nan" beside its context and response
  for (const empty of ['', null, 'nan']) {
    assert.deepEqual(gen({ instruction: 'Sum up', input: empty, context: 'Long text', output: empty, response: 'Short' }),
      { record: chat(['user', 'Sum up\n\nLong text'], ['assistant', 'Short']), layout: 'instruction_pairs' }, String(empty));
  }
  // an Alpaca row of it: Dolly's fields empty
  assert.deepEqual(gen({ instruction: 'Add', input: '2 and 3', context: null, output: '5', response: '' }),
    { record: chat(['user', 'Add\n\n2 and 3'], ['assistant', '5']), layout: 'instruction_pairs' });
  // an input that stands for none beside an empty context is still said so
  assert.deepEqual(gen({ instruction: 'Name a colour', input: 'nan', context: '', output: 'Red' }),
    { record: chat(['user', 'Name a colour'], ['assistant', 'Red']), layout: 'instruction_pairs', noInput: { key: 'input', text: 'nan' } });
  // a copy is no second text
  assert.equal(detail(gen({ instruction: 'Add', input: '2 and 3', context: ' 2 and 3', output: '5', response: '5' })), 'ok');
  // two answers, or two inputs, of other words: which one to train is not guessed
  assert.match(detail(gen({ instruction: 'Add', input: '', output: '5', response: 'five' })), /^unknown_shape: ambiguous record: "output" and "response" both hold an answer/);
  assert.match(detail(gen({ question: 'Why?', answer: 'Gold', response: 'Model' })), /^unknown_shape: ambiguous record: "response" and "answer" both hold an answer/);
  assert.match(detail(gen({ instruction: 'Sum up', input: 'One', context: 'Two', output: 'O' })), /^unknown_shape: ambiguous record: "input" and "context" both hold an input/);
  assert.match(detail(gen({ instruction: 'Name a planet', question: 'What is red?', output: 'Mars' })), /^unknown_shape: ambiguous record: "instruction" and "question" both hold an instruction/);
  // an answer that stands for none ('nan') beside one with words: the words are read; "None" or "N/A" is an answer
  // (placeholder.ts: text as a completion), so beside another it is a second answer, not to be dropped silently
  assert.deepEqual(gen({ instruction: 'Add', output: 'nan', response: 'Five' }), { record: chat(['user', 'Add'], ['assistant', 'Five']), layout: 'instruction_pairs' });
  assert.match(detail(gen({ instruction: 'Any side effects?', output: 'None', response: 'Headache' })), /^unknown_shape: ambiguous record: "output" and "response" both hold an answer/);
  assert.match(detail(gen({ instruction: 'Any side effects?', output: 'Headache', response: 'N/A' })), /^unknown_shape: ambiguous record: "output" and "response" both hold an answer/);
  assert.deepEqual(gen({ instruction: 'Any side effects?', output: 'None', response: null }), { record: chat(['user', 'Any side effects?'], ['assistant', 'None']), layout: 'instruction_pairs' });
  // an instruction that stands for none beside one with words: the words are read
  assert.deepEqual(gen({ instruction: 'nan', question: 'Why?', answer: 'Because' }), { record: chat(['user', 'Why?'], ['assistant', 'Because']), layout: 'instruction_pairs' });
  // but Alpaca's "input" is no second instruction: after an instruction that stands for none it is still its input, as
  // it was before tables merging layouts were read (an instruction/output pair, not input/output)
  assert.equal(detail(cls({ instruction: 'N/A', input: 'A passage', output: 'O' })), 'wrong_task: a chat record (instruction/output) in a classification run');
});

test('a system prompt under "system_prompt" beside an empty "system" (datasets merged into one table) is read, not lost; two of other words are ambiguous', () => {
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  const sys = { role: 'system', content: 'Be brief' }, u = { role: 'user', content: 'U' }, a = { role: 'assistant', content: 'A' };
  for (const empty of ['', null]) {
    assert.deepEqual(gen({ system: empty, system_prompt: 'Be brief', question: 'U', response: 'A' }),
      { record: { shape: 'chat', messages: [sys, u, a] }, layout: 'instruction_pairs' }, String(empty));
    assert.deepEqual(gen({ system: empty, system_prompt: 'Be brief', messages: [u, a] }), { record: { shape: 'chat', messages: [sys, u, a] } }, String(empty));
    assert.deepEqual(gen({ system: empty, system_prompt: 'Be brief', conversations: [{ from: 'human', value: 'U' }, { from: 'gpt', value: 'A' }] }),
      { record: { shape: 'chat', messages: [sys, u, a] }, layout: 'sharegpt' }, String(empty));
  }
  assert.equal(detail(gen({ system: 'Be brief', system_prompt: 'Be brief ', question: 'U', response: 'A' })), 'ok');
  assert.match(detail(gen({ system: 'One', system_prompt: 'Two', question: 'U', response: 'A' })), /^unknown_shape: ambiguous record: "system" and "system_prompt" both hold a system prompt/);
  assert.match(detail(gen({ system: 'One', system_prompt: 'Two', messages: [u, a] })), /^unknown_shape: ambiguous record: "system" and "system_prompt"/);
});

test('a row of a table merging datasets of other shapes: the fields of the shapes it leaves null or empty are none, not a second shape', () => {
  const m = [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }];
  const chat = { shape: 'chat', messages: m };
  // pandas' concat of a text, a prompt/completion and a chat dataset, written with to_json (null) or to_csv (empty cells)
  for (const none of [null, '', ' ']) {
    assert.deepEqual(gen({ text: 'T', prompt: none, completion: none, messages: none }), { record: { shape: 'text', text: 'T' } }, String(none));
    assert.deepEqual(gen({ text: none, prompt: 'P ', completion: 'C', messages: none }), { record: { shape: 'prompt_completion', prompt: 'P ', completion: 'C' } }, String(none));
    assert.deepEqual(gen({ text: none, prompt: none, completion: none, messages: m }), { record: chat }, String(none));
    assert.deepEqual(gen({ text: none, input_ids: [1, 2, 3] }), { record: { shape: 'pretokenized', inputIds: [1, 2, 3] } }, String(none));
    assert.deepEqual(cls({ text: 'good', label: 'pos', prompt: none, completion: none }), { record: { shape: 'classification', text: 'good', label: 'pos' } }, String(none));
    // an Alpaca row beside an unfilled text column, a ShareGPT row beside an unfilled messages column
    assert.deepEqual(gen({ text: none, instruction: 'U', output: 'A' }), { record: chat, layout: 'instruction_pairs' }, String(none));
    assert.deepEqual(gen({ messages: none, conversations: [{ from: 'human', value: 'U' }, { from: 'gpt', value: 'A' }] }), { record: chat, layout: 'sharegpt' }, String(none));
  }
  assert.deepEqual(gen({ text: 'T', messages: [] }), { record: { shape: 'text', text: 'T' } });
  // ShareGPT turns {from, value} and {from, content} merged (datasets' from_list): each turn has both keys, one null
  assert.deepEqual(gen({ conversations: [{ from: 'human', value: null, content: 'U' }, { from: 'gpt', value: 'A', content: null }] }), { record: chat, layout: 'sharegpt' });
  // or the one it lacked empty (a table's filled cells): the words are read, as with a pair's fields; a system turn's
  // "content" beside an empty "value" was dropped silently with its turn (empty), another turn rejected as empty
  for (const none of ['', ' ']) {
    const sys = { record: { shape: 'chat', messages: [{ role: 'system', content: 'S' }, ...chat.messages] }, layout: 'sharegpt' };
    assert.deepEqual(gen({ conversations: [{ from: 'system', value: none, content: 'S' }, { from: 'human', value: none, content: 'U' }, { from: 'gpt', value: 'A', content: none }] }), sys, JSON.stringify(none));
  }
  // and turns {role, content} and {from, value} merged: the four keys on every turn
  const four = (role: string | null, content: string | null, from: string | null, value: string | null) => ({ role, content, from, value });
  assert.deepEqual(gen({ messages: [four(null, null, 'human', 'U'), four(null, null, 'gpt', 'A')] }), { record: chat, layout: 'sharegpt' });
  assert.deepEqual(gen({ messages: [four('user', 'U', null, null), four('assistant', 'A', null, null)] }), { record: chat });
  // and a labelled text row of it is labelled (labelled-file.ts marks the file's rows without a label by it)
  assert.equal(labelHeld({ text: 'T', label: 'pos', prompt: null, completion: null }, DEFAULT_FIELDS), 'labelled');
  // a {prompt, response} pair beside the unfilled "completion" column of a {prompt, completion} dataset
  for (const none of [null, '']) {
    assert.deepEqual(gen({ prompt: 'U', completion: none, response: 'A' }), { record: chat, layout: 'instruction_pairs' }, String(none));
  }
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  // a null "from" is still a ShareGPT turn, named as an invalid role (as before a null "role" was read as none)
  assert.equal(detail(gen({ conversations: [{ from: null, value: 'U' }, { from: 'gpt', value: 'A' }] })), 'invalid_roles: conversations[0].from is null; roles are system, user, assistant');
  assert.equal(detail(gen({ messages: [{ from: 'human', value: 'U' }, { from: null, value: 'A' }] })), 'invalid_roles: messages[1].from is null; roles are system, user, assistant');
  // half a pair is no unfilled shape: its other half is named
  assert.equal(reason(gen({ prompt: 'P', completion: null })), 'empty');
  assert.equal(reason(gen({ text: 'T', prompt: 'P', completion: null })), 'unknown_shape');
  // nothing filled: the record's own rejection, as before
  assert.equal(reason(gen({ text: null })), 'empty');
  assert.equal(reason(gen({ text: null, prompt: null, completion: null })), 'unknown_shape');
});

test('two texts where one is read are ambiguous, not one dropped: a ShareGPT turn\'s "value" and "content", a completion and an answer', () => {
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  const chat = { shape: 'chat', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'A' }] };
  assert.equal(detail(gen({ conversations: [{ from: 'human', value: 'Hi', content: 'Hello' }, { from: 'gpt', value: 'A' }] })),
    'unknown_shape: ambiguous record: "conversations[0].value" and "conversations[0].content" both hold the turn\'s words, of other words; one would be lost: remove or rename the one not to train');
  // a copy, an empty or null one: the words are read
  for (const content of [' Hi', '', null]) {
    assert.deepEqual(gen({ conversations: [{ from: 'human', value: 'Hi', content }, { from: 'gpt', value: 'A', content: content && 'A' }] }), { record: chat, layout: 'sharegpt' }, String(content));
  }
  // --field content=KEY names the turn's words: no ambiguity
  assert.equal(detail(detectRecord({ conversations: [{ from: 'human', value: 'Hi', text: 'Hello' }, { from: 'gpt', value: 'A', text: 'B' }] }, 'generation', { ...DEFAULT_FIELDS, content: 'text' })), 'ok');
  // {prompt, completion} with an answer of other words beside it: the answer was lost, the pair read
  assert.equal(detail(gen({ prompt: 'P', completion: 'C', response: 'R' })),
    'unknown_shape: ambiguous record: "completion" and "response" both hold an answer, of other words; one would be lost: remove or rename the one not to train');
  assert.match(detail(gen({ prompt: 'Any side effects?', completion: ' Headache', response: 'None' })), /^unknown_shape: ambiguous record: "completion" and "response"/);
  assert.match(detail(gen({ prompt: 'P', completion: 'C', question: 'Q', answer: 'R' })), /^unknown_shape: ambiguous record: "completion" and "answer"/);
  // an answer the completion holds (a copy, a completion formatted from it), or one that stands for none, is no second answer
  for (const response of ['C', 'C ', 'nan', '', null]) {
    assert.deepEqual(gen({ prompt: 'P', completion: ' C</s>', response }), { record: { shape: 'prompt_completion', prompt: 'P', completion: ' C</s>' } }, String(response));
  }
});

test('turn weights: weight 0 (ShareGPT, axolotl) or training: false marks an assistant turn as context; bad values are refused', () => {
  const u = { role: 'user', content: 'U' }, a = { role: 'assistant', content: 'A' };
  assert.deepEqual(gen({ messages: [u, { ...a, weight: 0 }, u, { ...a, weight: 1 }] }),
    { record: { shape: 'chat', messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A', weight: 0 }, { role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] } });
  assert.deepEqual(gen({ messages: [u, { ...a, training: false }, u, { ...a, training: true }] }),
    { record: { shape: 'chat', messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A', weight: 0 }, { role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] } });
  assert.deepEqual(gen({ conversations: [{ from: 'human', value: 'U', weight: 0 }, { from: 'gpt', value: 'A', weight: 0 }, { from: 'human', value: 'V', weight: 0 }, { from: 'gpt', value: 'B', weight: 1 }] }), {
    record: { shape: 'chat', messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A', weight: 0 }, { role: 'user', content: 'V' }, { role: 'assistant', content: 'B' }] },
    layout: 'sharegpt',
  });
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  assert.equal(detail(gen({ messages: [u, { ...a, weight: 0 }] })), 'empty: no assistant turn is trained: each has weight 0 (or training: false)');
  assert.equal(detail(gen({ messages: [u, { ...a, weight: 0.5 }] })), "unknown_shape: messages[1].weight is 0.5; a turn's weight is 0 (not trained) or 1");
  // a weight or role past a double's range (1e400 in the file) is said to be one, not "null" as JSON.stringify writes it
  assert.equal(detail(gen({ messages: [u, { ...a, weight: Infinity }] })), "unknown_shape: messages[1].weight is Infinity (a number past float64's range, as 1e400); a turn's weight is 0 (not trained) or 1");
  assert.match(detail(gen({ messages: [{ role: -Infinity, content: 'q' }, a] })), /^invalid_roles: messages\[0\]\.role is -Infinity \(a number past float64's range, as 1e400\); roles are/);
  assert.equal(detail(gen({ messages: [u, { ...a, training: 'no' }] })), 'unknown_shape: messages[1].training is "no"; it is true or false');
  assert.equal(detail(gen({ messages: [u, { ...a, weight: 1, training: false }] })), 'unknown_shape: messages[1] has weight 1 and training false: they contradict each other');
  assert.equal(detail(gen({ conversations: [{ from: 'human', value: 'U' }, { from: 'gpt', value: 'A', weight: '0' }] })), 'unknown_shape: conversations[1].weight is "0"; a turn\'s weight is 0 (not trained) or 1');
});

test('user turns after the last assistant turn are left out, and counted; a chat with no assistant turn is still refused', () => {
  const u = { role: 'user', content: 'U' }, a = { role: 'assistant', content: 'A' };
  assert.deepEqual(gen({ messages: [u, a, { role: 'user', content: 'Thanks!' }] }), { record: { shape: 'chat', messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] }, trailingTurns: 1 });
  assert.deepEqual(gen({ conversations: [{ from: 'human', value: 'U' }, { from: 'gpt', value: 'A' }, { from: 'human', value: 'V' }] }),
    { record: { shape: 'chat', messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] }, trailingTurns: 1, layout: 'sharegpt' });
  assert.equal(reason(gen({ messages: [{ role: 'system', content: 'S' }, u] })), 'invalid_roles');
  assert.equal(reason(gen({ messages: [u, { ...a, weight: 0 }, u] })), 'empty');
});

test('assistant turns before the first user turn (a greeting) are left out, as FastChat does, and counted', () => {
  const s = { role: 'system', content: 'S' }, u = { role: 'user', content: 'U' }, a = { role: 'assistant', content: 'A' };
  const greeting = { role: 'assistant', content: 'Hello! How can I help?' };
  assert.deepEqual(gen({ messages: [greeting, u, a] }), { record: { shape: 'chat', messages: [u, a] }, leadingTurns: 1 });
  assert.deepEqual(gen({ messages: [s, greeting, u, a, u] }), { record: { shape: 'chat', messages: [s, u, a] }, leadingTurns: 1, trailingTurns: 1 });
  assert.deepEqual(gen({ conversations: [{ from: 'gpt', value: 'Hi' }, { from: 'human', value: 'U' }, { from: 'gpt', value: 'A' }] }),
    { record: { shape: 'chat', messages: [u, a] }, leadingTurns: 1, layout: 'sharegpt' });
  // nothing to train once they are gone: refused as before
  assert.equal(reason(gen({ messages: [greeting, u] })), 'invalid_roles');
  assert.equal(reason(gen({ messages: [s, greeting] })), 'invalid_roles');
});

test("OpenAI and TRL variants: role names in any case, developer as system; TRL's conversational prompt/completion trains the completion; tool calls and tools kept; media and empty turns refused with their reason", () => {
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  assert.deepEqual(gen({ messages: [{ role: 'Developer', content: 'Be brief.' }, { role: 'User', content: 'Hi' }, { role: ' ASSISTANT ', content: 'Hello' }] }),
    { record: { shape: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] } });
  assert.deepEqual(gen({
    prompt: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: '2+2?' }],
    completion: [{ role: 'assistant', content: '4' }],
  }), { record: { shape: 'chat', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello', weight: 0 }, { role: 'user', content: '2+2?' }, { role: 'assistant', content: '4' }] } });
  assert.match(detail(gen({ prompt: [{ role: 'user', content: 'Hi' }], completion: [{ role: 'robot', content: 'x' }] })), /^invalid_roles: prompt\+completion\[1\]\.role is "robot"/);
  // tool use in OpenAI's form is kept as given (test/data/prepare-tool-use.test.ts); a chat may end with the calls
  const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }] };
  assert.deepEqual(gen({ messages: [{ role: 'user', content: 'Weather?' }, call] }),
    { record: { shape: 'chat', messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: '', tool_calls: call.tool_calls }] } });
  assert.match(detail(gen({ messages: [{ role: 'user', content: 'U' }, { role: 'tool', content: '{}' }] })), /^invalid_roles: turn 1 is tool where assistant was expected \(a tool result follows the assistant turn that calls it\)/);
  // tool definitions beside the turns (TRL's "tools", or LLaMA-Factory's JSON text, which TRL json.loads): kept; none ('', []) is none
  const weather = [{ type: 'function', function: { name: 'w', description: 'Weather', parameters: { type: 'object', properties: {} } } }];
  for (const tools of [weather, JSON.stringify(weather)]) {
    assert.deepEqual(gen({ messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }], tools }),
      { record: { shape: 'chat', messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }], tools: weather } });
  }
  assert.equal(reason(gen({ tools: [], messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] })), 'ok', 'an empty tool list is no tools');
  assert.match(detail(gen({ image: 'cat.jpg', conversations: [{ from: 'human', value: '<image>\nWhat is it?' }, { from: 'gpt', value: 'A cat.' }] })), /^unknown_shape: "image" holds media beside the text/);
  assert.equal(reason(gen({ images: [], messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] })), 'ok', 'an empty media list is no media');
  assert.equal(detail(gen({ conversations: [] })), 'empty: "conversations" holds no turns');
  assert.equal(detail(gen({ Text: 'T', Label: 'x' })), 'unknown_shape: no "text", "prompt"/"completion", "messages" or "input_ids" field (keys: "Text", "Label"); --field text=Text reads it');
  assert.match(detail(cls({ Text: 'T', Label: 'x' })), /; --field text=Text --field label=Label reads them$/);
  // a field of another name holding the text: SST-2's "sentence", a corpus's "content"; numbers (ids, CSV labels) are not text
  assert.match(detail(cls({ sentence: 'a charming journey', label: '1' })), /\(keys: "sentence", "label"\); --field text=sentence reads it as the text$/);
  assert.match(detail(gen({ content: 'a page of a corpus', id: '17', views: 3 })), /; --field text=content reads it as the text$/);
  // SST-2's columns with class names, in a generation run: it offered "--field text=sentence or --field text=label", the
  // label's column as the text (prepare then says wrong_task, use --task classification, for the labelled record)
  assert.match(detail(gen({ sentence: 'a charming journey', label: 'pos' })), /\(keys: "sentence", "label"\); --field text=sentence reads it as the text$/);
  assert.match(detail(cls({ 'Class Index': '3', Title: 'Wall St.', Description: 'Reuters - …' })), /; name the text field: --field text=Title or --field text=Description$/);
  // a spreadsheet's "Question"/"Answer" headers: a pair but for their case (it said --field text=Question or --field text=Answer, one column of two)
  assert.match(detail(gen({ Question: 'What is 2+2?', Answer: 'Four.' })), /\(keys: "Question", "Answer"\); "Question" and "Answer" differ only in case from "question" and "answer": renamed so, they are read as a chat of one user turn and its answer$/);
  // before: " question" was said to differ "only in case"
  assert.match(detail(gen({ ' question': 'What is 2+2?', 'answer ': 'Four.' })), /" question" and "answer " differ only in spaces from "question" and "answer": renamed so/);
  assert.match(detail(gen({ ' Question': 'What is 2+2?', Answer: 'Four.' })), /" Question" and "Answer" differ only in case and spaces from/);
  // a list of objects beside a string is what the record holds, not the string (Capybara's "source" beside its exchanges)
  assert.equal(detail(gen({ source: 'GPT4LLM', conversation: [{ input: 'Q', output: 'A' }, { input: 'Q2', output: 'A2' }] })),
    'unknown_shape: no "text", "prompt"/"completion", "messages" or "input_ids" field (keys: "source", "conversation"); "conversation" holds a list of 2 objects (keys "input", "output"): ' +
    'if they are a chat\'s turns, --field messages=conversation with --field role=KEY and --field content=KEY reads them, else convert them to {role, content} messages');
  // a list of records, not turns: one object wrapping the records, saved as JSON Lines (it said "if they are a chat's turns, --field messages=data …")
  assert.equal(detail(gen({ data: [{ text: 'a' }, { text: 'b' }] })),
    'unknown_shape: no "text", "prompt"/"completion", "messages" or "input_ids" field (keys: "data"); "data" holds a list of 2 records (keys "text"), not a chat\'s turns: ' +
    'a file that is one object wrapping its records is read as JSON (a .json file, or --format json), or write them one a line (jq -c \'."data"[]\')');
  // fields one level down: said so, with what lifts them — not "--field text=label reads it as the text" (an audit's find)
  assert.equal(detail(gen({ data: { text: 'x', source: 'web' }, label: 'a' })),
    'unknown_shape: no "text", "prompt"/"completion", "messages" or "input_ids" field (keys: "data", "label"); "data" is an object holding "text": ' +
    'fields are read from a record\'s own keys, not nested ones — lift them first (jq -c \'."data" + del(."data")\')');
  assert.match(detail(gen({ id: '17', score: '0.5' })), /\(keys: "id", "score"\)$/, 'no text field: no hint');
  assert.match(detail(gen({ text: 'T', messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] })), /--field text=none reads it as the chat, --field messages=none as the text/);
});

test('OpenAI content parts: text parts joined with newlines; any other part rejects the record, naming it', () => {
  assert.deepEqual(gen({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'text', text: 'here' }] }, { role: 'assistant', content: 'Ok' }] }),
    { record: { shape: 'chat', messages: [{ role: 'user', content: 'Look\nhere' }, { role: 'assistant', content: 'Ok' }] } });
  const r = gen({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }, { role: 'assistant', content: 'A cat' }] });
  assert.deepEqual(r, { reason: 'unknown_shape', detail: 'messages[0].content[0] is a "image_url" part: only text content is read' });
  // a text part whose text is missing or not a string is said to be so, not called a part that is not text
  const noText = gen({ messages: [{ role: 'user', content: [{ type: 'text', content: 'x' }] }, { role: 'assistant', content: 'A' }] });
  assert.deepEqual(noText, { reason: 'unknown_shape', detail: 'messages[0].content[0] is a "text" part without a string "text" (it has none)' });
  const numText = gen({ messages: [{ role: 'user', content: [{ type: 'text', text: [3] }] }, { role: 'assistant', content: 'A' }] });
  assert.deepEqual(numText, { reason: 'unknown_shape', detail: 'messages[0].content[0] is a "text" part without a string "text" (it is an array)' });
});

test('a prompt beside messages and no completion is a copy of the first user turn (UltraChat 200k, no_robots, UltraFeedback): the record is the chat', () => {
  const messages = [{ role: 'user', content: 'How do I boil an egg?' }, { role: 'assistant', content: 'Put it in boiling water.' }];
  assert.deepEqual(gen({ prompt: 'How do I boil an egg?', prompt_id: 'ab12', messages, category: 'Chat' }), { record: { shape: 'chat', messages } });
  assert.equal(reason(gen({ prompt: 'P', completion: 'C', messages })), 'unknown_shape'); // two shapes at once
  assert.equal(reason(gen({ completion: 'C', messages })), 'unknown_shape');
});

test('OpenOrca {system_prompt, question, response}: the system prompt is the chat\'s system turn, not dropped', () => {
  assert.deepEqual(gen({ id: 'niv.242684', system_prompt: 'You are an AI assistant. Think step by step.', question: 'Is 7 prime?', response: 'Yes.' }), {
    record: { shape: 'chat', messages: [{ role: 'system', content: 'You are an AI assistant. Think step by step.' }, { role: 'user', content: 'Is 7 prime?' }, { role: 'assistant', content: 'Yes.' }] },
    layout: 'instruction_pairs',
  });
  // OpenOrca's records without one have an empty system_prompt: no system turn
  assert.deepEqual(gen({ system_prompt: '', question: 'Q', response: 'R' }), { record: { shape: 'chat', messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'R' }] }, layout: 'instruction_pairs' });
});

test('ShareGPT turns under another key named by --field messages=KEY are read as ShareGPT (human/gpt mapped)', () => {
  const fields = { ...DEFAULT_FIELDS, messages: 'conversation' };
  assert.deepEqual(detectRecord({ conversation: [{ from: 'human', value: 'U' }, { from: 'gpt', value: 'A' }] }, 'generation', fields), {
    record: { shape: 'chat', messages: [{ role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] },
    layout: 'sharegpt',
  });
  // with role/content mapped to from/value too, as a ShareGPT file needed before
  assert.equal(reason(detectRecord({ conversation: [{ from: 'human', value: 'U' }, { from: 'gpt', value: 'A' }] }, 'generation', { ...fields, role: 'from', content: 'value' })), 'ok');
});

test('a lone surrogate or an empty text in an instruction/answer field is named by its own key, not a "content" the input does not have', () => {
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  assert.match(detail(gen({ instruction: 'I', output: 'bad \ud800' })), /^invalid_utf8: "output" holds a lone surrogate/);
  assert.match(detail(gen({ system_prompt: 'S \udc00', question: 'Q', response: 'R' })), /^invalid_utf8: "system_prompt" holds a lone surrogate/);
  // and a field that cleaning leaves empty (a zero-width space) is named too
  assert.equal(detail(gen({ instruction: 'I', output: '\u200b' })), 'empty: "output" is empty');
  assert.equal(detail(gen({ instruction: 'I', output: 'O', history: [['Q', '\u200b']] })), 'empty: "history[0][1]" is empty');
});

test('LLaMA-Factory ShareGPT: a record-level "system" is the chat\'s system turn, not dropped; a system turn in the conversation wins', () => {
  const conversations = [{ from: 'human', value: 'U' }, { from: 'gpt', value: 'A' }];
  assert.deepEqual(gen({ conversations, system: 'Be brief.', tools: '' }), {
    record: { shape: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] },
    layout: 'sharegpt',
  });
  assert.deepEqual(gen({ conversations: [{ from: 'system', value: 'S' }, ...conversations], system: 'ignored' }), {
    record: { shape: 'chat', messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }, { role: 'assistant', content: 'A' }] },
    layout: 'sharegpt',
    systemLeftOut: 'system', // counted in prepare's warnings
  });
  assert.deepEqual(gen({ conversations, system: 'S \ud800' }), { reason: 'invalid_utf8', detail: '"system" holds a lone surrogate \\ud800 at character 3: not Unicode text' });
  assert.deepEqual(gen({ conversations, system: { text: 'S' } }), { reason: 'unknown_shape', detail: '"system" is an object, not a string' });
  // the turns' errors name their own indices
  assert.deepEqual(gen({ conversations: [{ from: 'human', value: ' ' }, { from: 'gpt', value: 'A' }], system: 'S' }), { reason: 'empty', detail: 'conversations[0] (user) has empty content' });
});

test('LLaMA-Factory Alpaca: "history" pairs are the turns before the instruction, not dropped (the answer would be trained without its context)', () => {
  assert.deepEqual(gen({ instruction: 'And in Spanish?', input: '', output: 'Hola', system: 'S', history: [['Say hi in French', 'Bonjour'], ['In German?', 'Hallo']] }), {
    record: {
      shape: 'chat',
      messages: [['system', 'S'], ['user', 'Say hi in French'], ['assistant', 'Bonjour'], ['user', 'In German?'], ['assistant', 'Hallo'], ['user', 'And in Spanish?'], ['assistant', 'Hola']]
        .map(([role, content]) => ({ role, content })),
    },
    layout: 'instruction_pairs',
  });
  assert.equal(reason(gen({ instruction: 'I', output: 'O', history: [] })), 'ok');
  assert.deepEqual(gen({ instruction: 'I', output: 'O', history: [['only a question']] }), { reason: 'unknown_shape', detail: '"history"[0] is not a [question, answer] pair of strings' });
  assert.deepEqual(gen({ instruction: 'I', output: 'O', history: [['Q', ' ']] }), { reason: 'empty', detail: '"history[0][1]" is empty' });
});

test('preference data (prompt/chosen/rejected) is rejected with the --field that trains on the chosen answers', () => {
  const r = gen({ prompt: 'p', chosen: 'good', rejected: 'bad' });
  assert.deepEqual(r, {
    reason: 'unknown_shape',
    detail: '"prompt" without "completion"; it looks like preference data ("chosen"/"rejected", for DPO), which is not trained here: --field completion=chosen trains on the chosen answers',
  });
  assert.deepEqual(detectRecord({ prompt: 'p', chosen: 'good', rejected: 'bad' }, 'generation', { ...DEFAULT_FIELDS, completion: 'chosen' }),
    { record: { shape: 'prompt_completion', prompt: 'p', completion: 'good' } });
  // a prompt alone says only what is missing
  assert.deepEqual(gen({ prompt: 'p', chosen: 'good' }), { reason: 'unknown_shape', detail: '"prompt" without "completion"' });

  // no prompt: Anthropic's HH-RLHF (whole transcripts), UltraFeedback binarized (chats)
  const hh = { chosen: '\n\nHuman: Hi\n\nAssistant: Hello!', rejected: '\n\nHuman: Hi\n\nAssistant: Go away.' };
  assert.deepEqual(gen(hh), { reason: 'unknown_shape', detail: 'no "text", "prompt"/"completion", "messages" or "input_ids" field (keys: "chosen", "rejected"); it looks like preference data ("chosen"/"rejected", for DPO or a reward model), which is not trained here: --field text=chosen trains on the chosen texts, whole' });
  assert.deepEqual(detectRecord(hh, 'generation', { ...DEFAULT_FIELDS, text: 'chosen' }), { record: { shape: 'text', text: 'Human: Hi\n\nAssistant: Hello!' } });
  const uf = { chosen: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }], rejected: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'No.' }], score_chosen: 8 };
  assert.match((gen(uf) as { detail: string }).detail, /preference data .*: --field messages=chosen trains on the chosen chats$/);
  assert.equal(reason(detectRecord(uf, 'generation', { ...DEFAULT_FIELDS, messages: 'chosen' })), 'ok');
});

test('an OpenAssistant message (oasst1/oasst2: text, role "prompter"/"assistant", parent_id) is one turn of a tree, not a text: rejected, named', () => {
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  const prompt = { message_id: 'a1', parent_id: null, text: 'How do I bake bread?', role: 'prompter', lang: 'en', message_tree_id: 'a1' };
  const reply = { message_id: 'b2', parent_id: 'a1', text: 'Knead, proof, bake.', role: 'assistant', lang: 'en', message_tree_id: 'a1' };
  for (const m of [prompt, reply]) assert.match(detail(gen(m)), /^unknown_shape: an OpenAssistant message \("role": "(prompter|assistant)", "parent_id"\)/);
  // a text with a role of another meaning, or no tree link, is a text as before; classification reads its label
  assert.equal(reason(gen({ text: 'A speech.', role: 'narrator', parent_id: null })), 'ok');
  assert.equal(reason(gen({ text: 'A note.', role: 'assistant' })), 'ok');
  assert.equal(reason(cls({ ...reply, label: 'ok' })), 'ok');
  // the trees export: one line per tree, its prompt message holding the replies
  const tree = { message_tree_id: 'a1', tree_state: 'ready_for_export', prompt: { ...prompt, replies: [{ ...reply, replies: [] }] } };
  assert.match(detail(gen(tree)), /^unknown_shape: an OpenAssistant message tree \("prompt" with nested "replies"\), not a prompt and its completion; make chats/);
});

test('a record encoded twice (a JSON string holding a JSON object: json.dumps of JSON text) is rejected saying so', () => {
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  assert.equal(detail(gen(JSON.stringify({ text: 'hello' }))),
    'unknown_shape: expected an object, got a string holding a JSON object: the record was encoded twice (json.dumps of JSON text); decode it once');
  assert.equal(detail(gen('{not json}')), 'unknown_shape: expected an object, got a string');
  assert.equal(detail(gen([{ text: 'a' }, { text: 'b' }])),
    'unknown_shape: expected an object, got an array of 2 objects: records batched in a list, all rejected as this one; write one record per line (JSON Lines) or per array element');
  assert.equal(detail(gen([1, 2])), 'unknown_shape: expected an object, got an array');
});

test('a record-level "system" beside OpenAI-format messages is the chat\'s system turn, as beside ShareGPT turns, not dropped; a system turn of its own wins', () => {
  const messages = [{ role: 'user', content: 'Name a color.' }, { role: 'assistant', content: 'Blue.' }];
  assert.deepEqual(gen({ system: 'You are terse.', messages }),
    { record: { shape: 'chat', messages: [{ role: 'system', content: 'You are terse.' }, ...messages] } });
  assert.deepEqual(gen({ system_prompt: ' Be brief. ', messages }), { record: { shape: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, ...messages] } });
  assert.deepEqual(gen({ system: 'ignored', messages: [{ role: 'system', content: 'S' }, ...messages] }),
    { record: { shape: 'chat', messages: [{ role: 'system', content: 'S' }, ...messages] }, systemLeftOut: 'system' });
  assert.deepEqual(gen({ system: ' S', messages: [{ role: 'system', content: 'S' }, ...messages] }),
    { record: { shape: 'chat', messages: [{ role: 'system', content: 'S' }, ...messages] } }, 'the same words: nothing left out');
  assert.deepEqual(gen({ system: '', messages }), { record: { shape: 'chat', messages } });
  assert.deepEqual(gen({ system: ['S'], messages }), { reason: 'unknown_shape', detail: '"system" is an array, not a string' });
  // in a CSV: the messages cell holds JSON, the system prompt its own column
  assert.deepEqual(gen({ system: 'You are terse.', messages: JSON.stringify(messages) }),
    { record: { shape: 'chat', messages: [{ role: 'system', content: 'You are terse.' }, ...messages] } });
});

test('a number or boolean where text is expected is read as its JSON text and marked (counted by prepare); an object or array there is still rejected', () => {
  const chat = (...turns: Array<[string, string]>) => ({ shape: 'chat', messages: turns.map(([role, content]) => ({ role, content })) });
  const pair = chat(['user', 'Add'], ['assistant', '42']);
  assert.deepEqual(gen({ instruction: 'Add', output: 42 }), { record: pair, layout: 'instruction_pairs', stringified: { key: 'output', text: '42' } });
  assert.deepEqual(gen({ text: 3.5 }), { record: { shape: 'text', text: '3.5' }, stringified: { key: 'text', text: '3.5' } });
  assert.deepEqual(gen({ prompt: 'Is 7 prime?', completion: true }), { record: { shape: 'prompt_completion', prompt: 'Is 7 prime?', completion: 'true' }, stringified: { key: 'completion', text: 'true' } });
  assert.deepEqual(gen({ messages: [{ role: 'user', content: 'Two plus two?' }, { role: 'assistant', content: 4 }] }),
    { record: chat(['user', 'Two plus two?'], ['assistant', '4']), stringified: { key: 'content', text: '4' } });
  assert.deepEqual(gen({ conversations: [{ from: 'human', value: 'Sign of -1?' }, { from: 'gpt', value: -1 }] }),
    { record: chat(['user', 'Sign of -1?'], ['assistant', '-1']), layout: 'sharegpt', stringified: { key: 'value', text: '-1' } });
  assert.deepEqual(gen({ instruction: 'Next?', output: 3, history: [['First?', 1]] }),
    { record: chat(['user', 'First?'], ['assistant', '1'], ['user', 'Next?'], ['assistant', '3']), layout: 'instruction_pairs', stringified: { key: 'history', text: '1' } });
  assert.deepEqual(cls({ text: 17, label: 'odd' }), { record: { shape: 'classification', text: '17', label: 'odd' }, stringified: { key: 'text', text: '17' } });
  assert.equal('stringified' in gen({ instruction: 'Add', output: '42' }), false, 'text as text is no fix');
  for (const bad of [{ output: { value: 42 } }, { output: [42] }]) {
    assert.deepEqual(gen({ instruction: 'Add', ...bad }), { reason: 'unknown_shape', detail: `"output" is ${Array.isArray(bad.output) ? 'an array' : 'an object'}, not a string` });
  }
  assert.deepEqual(gen({ text: { a: 1 } }), { reason: 'unknown_shape', detail: '"text" is an object, not a string' });
  assert.deepEqual(gen({ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: { a: 1 } }] }).hasOwnProperty('reason'), true);
});

test('a number in a text field is its token as the file spells it ("3.50", "1.0", "1e5", beyond 2^53), wherever it becomes text', () => {
  const read = (json: string, task: 'generation' | 'classification' = 'generation') => detectRecord(parseJsonText(json).value, task);
  const texts = (json: string) => {
    const det = read(json);
    return 'record' in det ? textFields(det.record).map((f) => f.text) : det;
  };
  assert.deepEqual(texts('{"prompt": "Price?", "completion": 3.50}'), ['Price?', '3.50']);
  for (const n of ['1.0', '1e5', '1E+5', '-2.50e-3', '-0', '-0.0', '0.10', '12345678901234567890', '-12345678901234567890', '9007199254740993', '1e21', '100000000000000000000000']) {
    assert.deepEqual(texts(`{"text": ${n}}`), [n], n);
  }
  // where JSON.parse writes the number as the file does, the text is as before
  for (const n of ['42', '-7', '3.5', '0', '-0.25', '123456789012345', '1e+21']) assert.deepEqual(texts(`{"text": ${n}}`), [n], n);
  assert.deepEqual(read('{"question": "Half of 7.0?", "answer": 3.50}'),
    { record: { shape: 'chat', messages: [{ role: 'user', content: 'Half of 7.0?' }, { role: 'assistant', content: '3.50' }] }, layout: 'instruction_pairs', stringified: { key: 'answer', text: '3.50' } });
  // chat content, ShareGPT values, content parts, LLaMA-Factory's history, a system beside the turns, TRL's conversational pair
  assert.deepEqual(texts('{"messages": [{"role": "system", "content": 0.5e1}, {"role": "user", "content": "Total?"}, {"role": "assistant", "content": 1.10}]}'), ['0.5e1', 'Total?', '1.10']);
  assert.deepEqual(texts('{"system": 2.0, "conversations": [{"from": "human", "value": -1.0}, {"from": "gpt", "value": 12345678901234567890}]}'), ['2.0', '-1.0', '12345678901234567890']);
  assert.deepEqual(texts('{"messages": [{"role": "user", "content": [{"type": "text", "text": 7.00}]}, {"role": "assistant", "content": "ok"}]}'), ['7.00', 'ok']);
  assert.deepEqual(texts('{"instruction": "Next?", "output": 3.0, "history": [["First?", 1.0]]}'), ['First?', '1.0', 'Next?', '3.0']);
  assert.deepEqual(texts('{"prompt": [{"role": "user", "content": 1e3}], "completion": [{"role": "assistant", "content": 1000.0}]}'), ['1e3', '1000.0']);
  // JSON in a string (a CSV cell, a JSON Lines line encoded twice), read again by the record
  assert.deepEqual(texts(JSON.stringify({ messages: '[{"role": "user", "content": "Pi?"}, {"role": "assistant", "content": 3.140}]' })), ['Pi?', '3.140']);
  // duplicate keys: JSON.parse keeps the last value, and so its spelling
  assert.deepEqual(texts('{"text": 1.0, "text": 2}'), ['2']);
  assert.deepEqual(texts('{"text": 2, "text": 2.0}'), ['2.0']);
  assert.deepEqual(texts('{"meta": {"x": 1.0}, "meta": {"x": 1}, "text": 1e0}'), ['1e0']);
  // a key with escapes, strings with escaped quotes and backslashes before the number
  assert.deepEqual(texts(String.raw`{"n\"ote\\": ["a\\", 1.0, {"b": "\\\""}], "text": 5.0}`), ['5.0']);
  // a number used as a number reads as before: a label 1.0 or 1e0 is the class 1, as the label "1.0" is (labels.ts), a weight 1.0 is 1
  for (const label of ['1', '1.0', '1e0', '"1.0"']) {
    assert.deepEqual(read(`{"text": 2.50, "label": ${label}}`, 'classification'), { record: { shape: 'classification', text: '2.50', label: 1 }, stringified: { key: 'text', text: '2.50' } }, label);
  }
  // a label that cannot be a class is quoted as the file writes it, not as JSON.parse's double prints it (…567000)
  assert.deepEqual(read('{"text": 2.50, "label": 12345678901234567890}', 'classification'),
    { reason: 'unknown_label', detail: 'label 12345678901234567890 is not an integer a class index can be (too large): a label is an integer, a string, or true/false' });
  assert.deepEqual(read('{"text": "a", "label": 2.50}', 'classification'),
    { reason: 'unknown_label', detail: 'label 2.50 is not a whole number: a label is an integer, a string, or true/false' });
  assert.deepEqual(read('{"text": "a", "label": 1e20}', 'classification'),
    { reason: 'unknown_label', detail: 'label 1e20 is not an integer a class index can be (too large): a label is an integer, a string, or true/false' });
  assert.deepEqual(texts('{"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": 4.0, "weight": 1.0}]}'), ['Q', '4.0']);
  assert.deepEqual(read('{"input_ids": [1, 2.0, 3e0], "text2": 1.0}'), { record: { shape: 'pretokenized', inputIds: [1, 2, 3] } });
});

test('a record with both "messages" and "conversations" is read only when they hold the same chat, else rejected as ambiguous', () => {
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  const openai = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }];
  const sharegpt = [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }];
  const other = [{ from: 'human', value: 'Other' }, { from: 'gpt', value: 'Answer' }];
  assert.deepEqual(gen({ messages: openai, conversations: sharegpt }), { record: { shape: 'chat', messages: openai } });
  const ambiguous = 'unknown_shape: ambiguous record: it has "messages" and "conversations", which do not hold the same chat (--field messages=conversations reads "conversations")';
  assert.equal(detail(gen({ messages: openai, conversations: other })), ambiguous);
  assert.equal(detail(gen({ messages: sharegpt, conversations: other })), ambiguous, 'ShareGPT turns in both');
  assert.equal(detail(gen({ messages: openai, conversations: [{ from: 'robot', value: 'x' }] })), ambiguous, 'one of them does not read');
  // the one the user names is read; an unfilled one (null, [], as a merged dataset leaves it) is none
  assert.deepEqual(detectRecord({ messages: openai, conversations: other }, 'generation', { ...DEFAULT_FIELDS, messages: 'conversations' }),
    { record: { shape: 'chat', messages: [{ role: 'user', content: 'Other' }, { role: 'assistant', content: 'Answer' }] }, layout: 'sharegpt' });
  assert.deepEqual(gen({ messages: openai, conversations: null }), { record: { shape: 'chat', messages: openai } });
  // ShareGPT's turns beside a text, a prompt/completion or token ids are a second shape, as "messages" there is
  assert.equal(detail(gen({ text: 'T', conversations: sharegpt })), 'unknown_shape: ambiguous record: it has "conversations" and "text" (--field text=none reads it as the chat, --field messages=none as the text)');
  assert.equal(detail(gen({ prompt: 'P', completion: 'C', conversations: sharegpt })), 'unknown_shape: ambiguous record: it has "conversations" and "prompt/completion"');
  assert.equal(detail(gen({ input_ids: [1, 2], conversations: sharegpt })), 'unknown_shape: ambiguous record: it has "input_ids" and "conversations"');
  assert.deepEqual(detectRecord({ text: 'T', conversations: sharegpt }, 'generation', { ...DEFAULT_FIELDS, messages: 'none' }), { record: { shape: 'text', text: 'T' } });
  assert.match(detail(gen({ conversations: openai })), /\(keys "role", "content"\): if they are a chat's turns, --field messages=conversations reads them, else/);
  assert.match(detail(gen({ conversations: ['Q', 'A'] })), /^unknown_shape: no "text", "prompt"\/"completion", "messages" or "input_ids" field \(keys: "conversations"\)/, 'alone and not ShareGPT\'s: no shape');
  assert.deepEqual(detectRecord({ text: 'T', conversations: sharegpt }, 'generation', { ...DEFAULT_FIELDS, text: 'none' }), { record: { shape: 'chat', messages: openai }, layout: 'sharegpt' });
});

test('an instruction pair beside a chat\'s turns (Magpie: instruction/response beside conversations) is read as the chat when it is the chat\'s first exchange, else rejected as ambiguous', () => {
  const detail = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : 'ok');
  const openai = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }];
  const sharegpt = [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }];
  assert.deepEqual(gen({ instruction: 'Hi', response: 'Hello', conversations: sharegpt, uuid: 'x' }), { record: { shape: 'chat', messages: openai }, layout: 'sharegpt' });
  assert.deepEqual(gen({ messages: openai, prompt: 'Hi', response: 'Hello' }), { record: { shape: 'chat', messages: openai } });
  const longer = [...openai, { role: 'user', content: 'More?' }, { role: 'assistant', content: 'Yes.' }];
  assert.deepEqual(gen({ messages: longer, instruction: 'Hi', output: 'Hello' }), { record: { shape: 'chat', messages: longer } }, 'the first exchange of a longer chat');
  // a pair that is not the chat's start was silently dropped
  assert.equal(detail(gen({ messages: openai, instruction: 'Summarise', output: 'Done.' })),
    'unknown_shape: ambiguous record: it has "messages" and "instruction"/"output", which do not hold the same chat (--field messages=none reads "instruction"/"output")');
  assert.equal(detail(gen({ conversations: sharegpt, question: 'Q?', answer: 'A.' })),
    'unknown_shape: ambiguous record: it has "conversations" and "question"/"answer", which do not hold the same chat (keep one of them)');
  assert.deepEqual(detectRecord({ messages: openai, instruction: 'Summarise', output: 'Done.' }, 'generation', { ...DEFAULT_FIELDS, messages: 'none' }),
    { record: { shape: 'chat', messages: [{ role: 'user', content: 'Summarise' }, { role: 'assistant', content: 'Done.' }] }, layout: 'instruction_pairs' });
  assert.equal(reason(cls({ messages: openai, instruction: 'Summarise', output: 'Done.' })), 'wrong_task');
});

test('a chat turn whose role is misspelt or is ShareGPT\'s speaker name under "role" is rejected saying which role it likely means', () => {
  // before: only `roles are system, user, assistant`, the same for "usr", "asistant" and ShareGPT's "human"/"gpt"
  const detail = (role: string) => {
    const det = detectRecord({ messages: [{ role, content: 'hi' }, { role: 'assistant', content: 'yo' }] }, 'generation', DEFAULT_FIELDS);
    return 'reason' in det ? det.detail : '';
  };
  assert.equal(detail('usr'), 'messages[0].role is "usr"; roles are system, user, assistant (did you mean "user"?)');
  assert.equal(detail('Asistant'), 'messages[0].role is "Asistant"; roles are system, user, assistant (did you mean "assistant"?)');
  assert.equal(detail('human'), 'messages[0].role is "human"; roles are system, user, assistant ("human" is ShareGPT\'s name for "user": write "user", or give the turns as ShareGPT\'s {from, value})');
  assert.equal(detail('narrator'), 'messages[0].role is "narrator"; roles are system, user, assistant');
  // each name is told whose it is: "model" is Gemini's (Google's API), not ShareGPT's (before: "ShareGPT's name" for all)
  assert.equal(detail('model'), 'messages[0].role is "model"; roles are system, user, assistant ("model" is Gemini\'s name for "assistant": write "assistant")');
  assert.equal(detail('chatgpt'), 'messages[0].role is "chatgpt"; roles are system, user, assistant ("chatgpt" is ShareGPT\'s name for "assistant": write "assistant", or give the turns as ShareGPT\'s {from, value})');
  assert.equal(detail('bot'), 'messages[0].role is "bot"; roles are system, user, assistant ("bot" is a common name for "assistant": write "assistant")');
  // ShareGPT's speakers are told from its names too
  const det = detectRecord({ conversations: [{ from: 'humna', value: 'hi' }, { from: 'gpt', value: 'yo' }] }, 'generation', DEFAULT_FIELDS);
  assert.equal('reason' in det ? det.detail : '', 'conversations[0].from is "humna"; roles are system, user, assistant (did you mean "human"?)');
});
