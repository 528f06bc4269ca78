// Tokenization and masking rules, on the real (bundled) Mistral 7B v0.1 tokenizer's output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabelSet } from '../../src/data/labels.ts';
import type { DataRecord } from '../../src/data/record.ts';
import { fullyMaskedWithin, sequenceLength, tokenizeRecord } from '../../src/data/tokenize.ts';
import { IGNORE_INDEX, collate } from '../../src/data/batch.ts';
import { ChatTemplate } from '../../src/tokenizer/chat-template.ts';
import type { ChatMessage, Tokenizer } from '../../src/tokenizer/types.ts';
import { mistralTokenizer } from './helpers.ts';
import { MISTRAL_V03_NO_TOOLS_TEMPLATE as MISTRAL_V03_TEMPLATE } from '../tokenizer/mistral-v03-template.ts';

const tok = mistralTokenizer();
const BOS = tok.bosId!, EOS = tok.eosId!;

function tokenize(record: DataRecord, opts = {}) {
  const r = tokenizeRecord(record, tok, opts);
  assert.ok(r.row, 'row dropped');
  return { ids: [...r.row.inputIds], labels: r.row.labels ? [...r.row.labels] : null, label: r.row.label, r };
}
const count = (a: number[], x: number) => a.filter((y) => y === x).length;
const trained = (ids: number[], labels: number[]) => ids.filter((_, t) => labels[t] !== IGNORE_INDEX);

test('the tokenizer is the real Mistral one (BOS 1, EOS 2, no pad)', () => {
  assert.equal(tok.vocabSize, 32000);
  assert.equal(BOS, 1);
  assert.equal(EOS, 2);
  assert.equal(tok.padId, null);
});

test('{text}: BOS + text + EOS, every token trained (a trained token has labels[t] = ids[t])', () => {
  const text = 'Le café est très bon. 한국어도 됩니다 🙂\n    indented code();';
  const { ids, labels } = tokenize({ shape: 'text', text });
  assert.deepEqual(ids, [BOS, ...tok.encode(text), EOS]);
  assert.deepEqual(labels, [IGNORE_INDEX, ...ids.slice(1)]);
  assert.equal(count(ids, BOS), 1);
  assert.equal(tok.decode(ids), text);
});

test('{prompt, completion}: the joined text is encoded whole (no separator added); loss on the completion and the EOS only', () => {
  const prompt = 'Translate to French: good morning', completion = ' Bonjour';
  const { ids, labels } = tokenize({ shape: 'prompt_completion', prompt, completion });
  const p = tok.encode(prompt), pc = tok.encode(prompt + completion);
  assert.deepEqual(ids, [BOS, ...pc, EOS]);
  assert.deepEqual(pc.slice(0, p.length), p, 'here the prompt\'s tokens are a prefix of the joined text\'s');
  const c = pc.slice(p.length);
  assert.deepEqual(labels, [IGNORE_INDEX, ...p.map(() => IGNORE_INDEX), ...c, EOS]);
  assert.equal(tok.decode(trained(ids, labels!)), 'Bonjour');
  assert.equal(trained(ids, labels!).at(-1), EOS);
  // the batch's targets: the target of position t is labels[t + 1]; the first target is the completion's first token
  const batch = collate([{ inputIds: ids, labels }], 0, null);
  assert.equal(batch.targetCount, c.length + 1);
  assert.equal(batch.targets[p.length], c[0]);
  assert.equal(batch.targets[p.length - 1], IGNORE_INDEX);
});

test('{prompt, completion}: no "▁" appears at the boundary that the text does not have (SentencePiece prefix space)', () => {
  const prompt = '### Instruction:\nName a colour.\n### Response:\n', completion = 'The answer is blue.';
  const { ids, labels } = tokenize({ shape: 'prompt_completion', prompt, completion });
  assert.deepEqual(ids, [BOS, ...tok.encode(prompt + completion), EOS], 'the tokens of the text as it is');
  const first = ids[labels!.findIndex((l) => l !== IGNORE_INDEX)]!;
  assert.equal(tok.idToToken(first), 'The', 'the completion starts with "The", not "▁The"');
  assert.equal(tok.idToToken(tok.encode(completion)[0]!), '▁The', 'which encoding the completion alone would give');
  assert.equal(tok.decode(ids), prompt + completion);
  assert.equal(tok.decode(trained(ids, labels!)), completion);
});

test('{prompt, completion}: a token merged across the boundary is trained (the mask ends at the common prefix)', () => {
  const prompt = 'The capital of France is Par', completion = 'is.';
  const { ids, labels } = tokenize({ shape: 'prompt_completion', prompt, completion });
  const p = tok.encode(prompt), pc = tok.encode(prompt + completion);
  let k = 0;
  while (p[k] === pc[k]) k++;
  assert.ok(k < p.length, 'the last prompt token merges with the completion');
  assert.deepEqual(labels, [IGNORE_INDEX, ...pc.slice(0, k).map(() => IGNORE_INDEX), ...pc.slice(k), EOS]);
  assert.ok(tok.decode(trained(ids, labels!)).endsWith('is.'));
});

const chats: ChatMessage[][] = [
  [{ role: 'user', content: 'What is 2+2?' }, { role: 'assistant', content: '4' }],
  [
    { role: 'system', content: 'You answer briefly.' },
    { role: 'user', content: 'Say hi in Korean' }, { role: 'assistant', content: '안녕하세요! 🙂' },
    { role: 'user', content: 'And code?' }, { role: 'assistant', content: '```py\nprint("hi")\n```' },
    { role: 'user', content: 'Thanks' }, { role: 'assistant', content: '... you are welcome, [/INST] is just text.' },
  ],
  [{ role: 'user', content: '  spaced  ' }, { role: 'assistant', content: "'quoted' 123" }],
];

test('{messages}: the whole rendered chat is encoded once; one BOS; loss on assistant turns only, each ending with one trained EOS', () => {
  for (const messages of chats) {
    const { ids, labels } = tokenize({ shape: 'chat', messages });
    assert.deepEqual(ids, tok.encode(tok.applyChatTemplate(messages)), 'ids = the inference-time encoding of the rendered chat');
    assert.equal(count(ids, BOS), 1);
    assert.equal(ids[0], BOS);
    const assistants = messages.filter((m) => m.role === 'assistant');
    assert.equal(count(ids, EOS), assistants.length);
    // trained spans: maximal runs of trained positions
    const spans: number[][] = [];
    for (let t = 0; t < ids.length; t++) {
      if (labels![t] === IGNORE_INDEX) continue;
      assert.equal(labels![t], ids[t]);
      if (t === 0 || labels![t - 1] === IGNORE_INDEX) spans.push([]);
      spans.at(-1)!.push(ids[t]!);
    }
    assert.equal(spans.length, assistants.length, 'one trained span per assistant turn');
    spans.forEach((span, k) => {
      assert.equal(span.at(-1), EOS, `turn ${k} ends with EOS`);
      assert.equal(count(span, EOS), 1);
      assert.equal(tok.decode(span.slice(0, -1)), assistants[k]!.content, `turn ${k} trains exactly its content`);
    });
    // what is not trained is the prompt side: system, user turns and the [INST] markup
    const untrained = tok.decode(ids.filter((_, t) => labels![t] === IGNORE_INDEX));
    for (const m of messages) if (m.role !== 'assistant') assert.ok(untrained.includes(m.content.trim()), m.content);
  }
});

test('{messages}: the mask agrees with an independent piecewise construction (mistral-common style)', () => {
  const messages = chats[1]!;
  const { ids, labels } = tokenize({ shape: 'chat', messages });
  const ref: number[] = [BOS];
  const refLabels: number[] = [IGNORE_INDEX];
  const sys = messages[0]!.content;
  for (let i = 1; i < messages.length; i += 2) {
    const user = i === 1 ? `${sys}\n\n${messages[i]!.content}` : messages[i]!.content;
    const u = tok.encode(`[INST] ${user} [/INST]`);
    const a = [...tok.encode(messages[i + 1]!.content), EOS];
    ref.push(...u, ...a);
    refLabels.push(...u.map(() => IGNORE_INDEX), ...a);
  }
  assert.deepEqual(ids, ref);
  assert.deepEqual(labels, refLabels);
});

test("{messages} with trainOn 'all': every token but the first is trained", () => {
  const { ids, labels } = tokenize({ shape: 'chat', messages: chats[1]! }, { trainOn: 'all' });
  assert.deepEqual(labels, [IGNORE_INDEX, ...ids.slice(1)]);
});

test('a chat template without EOS: each assistant turn trained as rendered, one trained EOS at the end of the chat', () => {
  // ChatML-like turns closed by plain text, on a vocabulary whose EOS is </s>; the second template renders the
  // system message in the last user turn only (as Mistral v0.3's), so its turns are found by the changed-span path
  const render = (systemLast: boolean) => (ms: readonly ChatMessage[], o?: { addGenerationPrompt?: boolean }) => {
    const system = ms[0]?.role === 'system' ? ms[0].content : null;
    const rest = system === null ? ms : ms.slice(1);
    const lastUser = rest.map((m) => m.role).lastIndexOf('user');
    const turn = (m: ChatMessage, k: number) => `<|im_start|>${m.role}\n${systemLast && system !== null && k === lastUser ? `${system}\n\n` : ''}${m.content}<|im_end|>\n`;
    const head = !systemLast && system !== null ? `<|im_start|>system\n${system}<|im_end|>\n` : '';
    return head + rest.map(turn).join('') + (o?.addGenerationPrompt ? '<|im_start|>assistant\n' : '');
  };
  const messages: ChatMessage[] = [{ role: 'system', content: 'Be brief.' }, ...chats[0]!, { role: 'user', content: 'And 3+3?' }, { role: 'assistant', content: '6' }];
  for (const systemLast of [false, true]) {
    const plain: Tokenizer = {
      vocabSize: tok.vocabSize, bosId: BOS, eosId: EOS, padId: null,
      encode: (x) => tok.encode(x), decode: (ids, o) => tok.decode(ids, o), tokenToId: (x) => tok.tokenToId(x),
      applyChatTemplate: render(systemLast),
    };
    const r = tokenizeRecord({ shape: 'chat', messages }, plain);
    const ids = [...r.row!.inputIds], labels = [...r.row!.labels!];
    assert.deepEqual(ids, [...tok.encode(render(systemLast)(messages)), EOS], `systemLast ${systemLast}: the rendering (no BOS: the template writes none) + one EOS`);
    assert.equal(labels[ids.length - 1], EOS, 'the EOS is trained');
    assert.equal(tok.decode(trained(ids, labels)).replace(/\s+/g, ' ').trim(), '4<|im_end|> 6<|im_end|>', `systemLast ${systemLast}: the turns with their closing text`);
  }
});

test('a template that writes EOS after a turn only once the chat goes on: that EOS is the turn\'s, one is added at the end', () => {
  const render = (ms: readonly ChatMessage[]) =>
    ms.map((m, k) => (m.role === 'user' ? `[INST] ${m.content} [/INST]` : ` ${m.content}${k < ms.length - 1 ? '</s>' : ''}`)).join('');
  const plain: Tokenizer = {
    vocabSize: tok.vocabSize, bosId: BOS, eosId: EOS, padId: null,
    encode: (x) => tok.encode(x), decode: (ids, o) => tok.decode(ids, o), tokenToId: (x) => tok.tokenToId(x),
    applyChatTemplate: render,
  };
  const messages: ChatMessage[] = [...chats[0]!, { role: 'user', content: 'And 3+3?' }, { role: 'assistant', content: '6' }];
  const r = tokenizeRecord({ shape: 'chat', messages }, plain);
  const ids = [...r.row!.inputIds], labels = [...r.row!.labels!];
  assert.deepEqual(ids, [...tok.encode(render(messages)), EOS], 'no second EOS after the first turn');
  const t = trained(ids, labels);
  assert.equal(count(t, EOS), 2, 'both EOS trained');
  assert.equal(tok.decode(t, { skipSpecialTokens: false }).replace(/\s+/g, ' ').trim(), '4</s> 6</s>');
});

test('an assistant turn of weight 0 is context: not trained, nor its EOS; the other turns are as without it', () => {
  const messages = chats[1]!;
  const full = tokenize({ shape: 'chat', messages });
  const muted = tokenize({ shape: 'chat', messages: messages.map((m, i) => (i === 2 ? { ...m, weight: 0 as const } : m)) });
  assert.deepEqual(muted.ids, full.ids, 'the same sequence');
  const t = trained(muted.ids, muted.labels!);
  assert.equal(tok.decode(t, { skipSpecialTokens: false }).includes('안녕하세요'), false, 'turn 2 untrained');
  assert.equal(count(t, EOS), 2);
  assert.deepEqual(trained(muted.ids, muted.labels!), trained(full.ids, full.labels!).slice(tokenizeLength(messages[2]!.content) + 1));
  // trainOn 'all' trains everything still
  assert.deepEqual(tokenize({ shape: 'chat', messages: messages.map((m) => (m.role === 'assistant' ? { ...m, weight: 0 as const } : m)) }, { trainOn: 'all' }).labels, [IGNORE_INDEX, ...full.ids.slice(1)]);
});
const tokenizeLength = (content: string) => tok.encode(content).length;

test('a template writing no EOS, last turn of weight 0: no EOS added (nothing trained after the earlier turns)', () => {
  const render = (ms: readonly ChatMessage[], o?: { addGenerationPrompt?: boolean }) =>
    ms.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + (o?.addGenerationPrompt ? '<|im_start|>assistant\n' : '');
  const plain: Tokenizer = {
    vocabSize: tok.vocabSize, bosId: BOS, eosId: EOS, padId: null,
    encode: (x) => tok.encode(x), decode: (ids, o) => tok.decode(ids, o), tokenToId: (x) => tok.tokenToId(x),
    applyChatTemplate: render,
  };
  const messages = [...chats[0]!, { role: 'user' as const, content: 'And 3+3?' }, { role: 'assistant' as const, content: '6', weight: 0 as const }];
  const r = tokenizeRecord({ shape: 'chat', messages }, plain);
  const ids = [...r.row!.inputIds], labels = [...r.row!.labels!];
  assert.deepEqual(ids, tok.encode(render(messages)));
  assert.equal(tok.decode(trained(ids, labels)).replace(/\s+/g, ' ').trim(), '4<|im_end|>');
});

test('classification: BOS + text, no EOS, no labels, the class index', () => {
  const classes = new LabelSet(['neg', 'pos']);
  const { ids, labels, label } = tokenize({ shape: 'classification', text: 'Great film', label: 'pos' }, { labels: classes });
  assert.deepEqual(ids, [BOS, ...tok.encode('Great film')]);
  assert.equal(count(ids, EOS), 0);
  assert.equal(labels, null);
  assert.equal(label, 1);
  assert.equal(tokenize({ shape: 'classification', text: 'x', label: 2 }).label, 2);
  assert.throws(() => tokenizeRecord({ shape: 'classification', text: 'x', label: 'other' }, tok, { labels: classes }), /not one of the classes/);
});

test('over-long sequences: truncated or dropped by policy; a row with nothing left to train is dropped', () => {
  const text = 'one two three four five six seven eight nine ten';
  const full = tokenizeRecord({ shape: 'text', text }, tok);
  const cut = tokenizeRecord({ shape: 'text', text }, tok, { maxSeqLen: 5 });
  assert.equal(cut.overflow, 'truncated');
  assert.equal(cut.length, full.length);
  assert.deepEqual([...cut.row!.inputIds], [...full.row!.inputIds].slice(0, 5));
  const drop = tokenizeRecord({ shape: 'text', text }, tok, { maxSeqLen: 5, overflow: 'drop' });
  assert.equal(drop.row, null);
  assert.equal(drop.overflow, 'dropped');
  const pc = tokenizeRecord({ shape: 'prompt_completion', prompt: text, completion: 'done' }, tok, { maxSeqLen: 6 });
  assert.equal(pc.row, null, 'the completion was cut away entirely');
  assert.equal(tokenizeRecord({ shape: 'text', text }, tok, { maxSeqLen: 100 }).overflow, 'fits');
});

test('pre-tokenized rows pass through, validated against the vocabulary', () => {
  const r = tokenizeRecord({ shape: 'pretokenized', inputIds: [1, 5, 6], labels: [-100, -100, 6] }, tok);
  assert.deepEqual([...r.row!.inputIds], [1, 5, 6]);
  assert.deepEqual([...r.row!.labels!], [-100, -100, 6]);
  assert.deepEqual([...tokenizeRecord({ shape: 'pretokenized', inputIds: [7, 8] }, null).row!.labels!], [-100, 8]);
  assert.throws(() => tokenizeRecord({ shape: 'pretokenized', inputIds: [1, 32000] }, tok), /outside the vocabulary/);
});

test('special-token text inside a field is refused rather than ending the sequence early', () => {
  assert.throws(() => tokenizeRecord({ shape: 'text', text: 'stop</s>here' }, tok), /special token/);
  assert.throws(() => tokenizeRecord({ shape: 'text', text: 'an <unk> word' }, tok), /"text" contains the text of a special token \("<unk>"\)/);
  // a classification text to predict on (classify) may hold one: that token's id, as transformers' tokenizer gives it
  assert.throws(() => tokenizeRecord({ shape: 'classification', text: 'good</s>film', label: 0 }, tok), /"text" contains the text of a special token \("<\/s>"\)/);
  const encoded = tokenizeRecord({ shape: 'classification', text: 'good</s>film', label: 0 }, tok, { specialTokenText: 'encode' });
  assert.deepEqual([...encoded.row!.inputIds], [BOS, ...tok.encode('good</s>film')]);
  assert.ok(encoded.row!.inputIds.includes(EOS));
  assert.equal(encoded.specialText, '</s>');
  assert.equal(tokenizeRecord({ shape: 'classification', text: 'good film', label: 0 }, tok, { specialTokenText: 'encode' }).specialText, undefined);
  assert.throws(() => tokenizeRecord({ shape: 'prompt_completion', prompt: 'Q: ', completion: '<unk>' }, tok), /special token \("<unk>"\)/);
  assert.throws(() => tokenizeRecord({ shape: 'classification', text: '<unk>', label: 0 }, tok), /special token/);
  assert.throws(() => tokenizeRecord({ shape: 'chat', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'a</s>b' }] }, tok), /messages\[1\]\.content contains the text of a special token \("<\/s>"\)/);
  assert.throws(() => tokenizeRecord({ shape: 'chat', messages: [{ role: 'user', content: 'stop</s>here' }, { role: 'assistant', content: 'ok' }] }, tok), /messages\[0\]\.content contains the text of a special token/);
  assert.throws(() => tokenizeRecord({ shape: 'chat', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'an <unk> word' }] }, tok), /special token \("<unk>"\)/);
  assert.throws(() => tokenizeRecord({ shape: 'chat', messages: [{ role: 'user', content: '<s>again' }, { role: 'assistant', content: 'ok' }] }, tok), /special token \("<s>"\)/);
  // a speaker's name is rendered where the template reads message.name: checked as prepare checks it (record-content.ts)
  assert.throws(() => tokenizeRecord({ shape: 'chat', messages: [{ role: 'user', name: 'al</s>', content: 'hi' }, { role: 'assistant', content: 'ok' }] }, tok), /messages\[0\]\.name contains the text of a special token \("<\/s>"\)/);
});

test('a text the tokenizer encodes as "<unk>" without holding "<unk>" (characters it has no token for) is refused saying so, not as holding a special token\'s text', () => {
  // a tokenizer with no token for "€" (no byte fallback): it encodes it as <unk>
  const noEuro = new Proxy(tok, {
    get: (t, k) => (k === 'encode' ? (text: string) => t.encode(text.replaceAll('€', '<unk>')) : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as Function).bind(t) : Reflect.get(t, k)),
  }) as Tokenizer;
  assert.throws(() => tokenizeRecord({ shape: 'text', text: 'costs 5€ now' }, noEuro),
    { message: '"text" holds text the tokenizer encodes as the special token "<unk>" (characters it has no token for), which would be trained as if it were a word' });
  assert.throws(() => tokenizeRecord({ shape: 'text', text: 'an <unk> word' }, noEuro), /"text" contains the text of a special token \("<unk>"\)/);
});

test('sequenceLength equals the length tokenizeRecord gives, for every shape', () => {
  const records: DataRecord[] = [
    { shape: 'text', text: 'some text' }, { shape: 'prompt_completion', prompt: 'p', completion: 'c' },
    ...chats.map((messages): DataRecord => ({ shape: 'chat', messages })),
    { shape: 'classification', text: 'cls text', label: 'pos' }, { shape: 'pretokenized', inputIds: [1, 2, 3], label: 'x' },
  ];
  for (const r of records) {
    const full = tokenizeRecord(r.shape === 'classification' || r.shape === 'pretokenized' ? { ...r, label: 0 } : r, tok).length;
    assert.equal(sequenceLength(r, tok), full, r.shape);
  }
});

test('sequenceLength refuses a chat that tokenizeRecord refuses for a field holding a special token or characters encoded as one (its shortcut skipped the check)', () => {
  const noEuroOf = (base: Tokenizer): Tokenizer => new Proxy(base, {
    get: (t, k) => (k === 'encode' ? (text: string) => t.encode(text.replaceAll('€', '<unk>')) : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as Function).bind(t) : Reflect.get(t, k)),
  }) as Tokenizer;
  const noEuro = noEuroOf(tok);
  const refused: Array<[DataRecord, Tokenizer]> = [
    [{ shape: 'chat', messages: [{ role: 'user', content: 'Price?' }, { role: 'assistant', content: 'It costs 5€.' }] }, noEuro],
    [{ shape: 'chat', messages: [{ role: 'user', content: 'Price in €?' }, { role: 'assistant', content: 'Five.' }] }, noEuro],
    [{ shape: 'chat', messages: [{ role: 'user', name: 'al<s>', content: 'hi' }, { role: 'assistant', content: 'ok' }] }, tok],
    // a name the template does not render (the default one leaves it out), checked as tokenizeRecord checks it
    [{ shape: 'chat', messages: [{ role: 'user', name: 'J€', content: 'hi' }, { role: 'assistant', content: 'ok' }] }, noEuro],
    // a system message Mistral v0.3's template does not render (in a chat ending with an assistant turn), checked as tokenizeRecord checks it
    [{ shape: 'chat', messages: [{ role: 'system', content: 'Prices in €.' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'ok' }] }, noEuroOf(withTemplate(MISTRAL_V03_TEMPLATE))],
  ];
  for (const [r, t] of refused) {
    const message = (() => { try { tokenizeRecord(r, t); } catch (err) { return (err as Error).message; } return 'kept'; })();
    assert.throws(() => sequenceLength(r, t), { message });
  }
  const fine: DataRecord = { shape: 'chat', messages: [{ role: 'user', content: 'Price?' }, { role: 'assistant', content: 'It costs 5 euros.' }] };
  assert.equal(sequenceLength(fine, noEuro), tokenizeRecord(fine, noEuro).length);
});

test('a tokenizer that adds no BOS (its post-processor none): no BOS in any shape unless the chat template writes it; a chat has the BOS its template writes, whatever the tokenizer adds', () => {
  const noBos = Object.assign(Object.create(tok) as Tokenizer, { addsBos: false, leadingIds: [] }) as Tokenizer;
  const text = tokenizeRecord({ shape: 'text', text: 'one two' }, noBos).row!;
  assert.deepEqual([...text.inputIds], [...tok.encode('one two'), EOS]);
  assert.deepEqual([...text.labels!], [IGNORE_INDEX, ...[...text.inputIds].slice(1)], 'the first token has no position that predicts it');
  const prompt = 'Q: colour?', completion = ' Blue';
  const pc = tokenizeRecord({ shape: 'prompt_completion', prompt, completion }, noBos).row!;
  const p = tok.encode(prompt), joined = tok.encode(prompt + completion);
  assert.deepEqual([...pc.inputIds], [...joined, EOS]);
  assert.deepEqual([...pc.labels!], [...p.map(() => IGNORE_INDEX), ...joined.slice(p.length), EOS], 'the prompt untrained, the completion and EOS trained');
  assert.deepEqual([...tokenizeRecord({ shape: 'classification', text: 'Great film', label: 0 }, noBos).row!.inputIds], tok.encode('Great film'));
  // the default Mistral template writes bos_token itself: that BOS stays, one, at the start
  const chat = tokenizeRecord({ shape: 'chat', messages: chats[0]! }, noBos).row!;
  assert.deepEqual([...chat.inputIds], [...tokenizeRecord({ shape: 'chat', messages: chats[0]! }, tok).row!.inputIds]);
  // a template that writes none gets none, even from a tokenizer that adds BOS to text (HF's apply_chat_template)
  const plain = Object.assign(Object.create(tok) as Tokenizer, {
    applyChatTemplate: (ms: readonly ChatMessage[], o?: { addGenerationPrompt?: boolean }) => ms.map((m) => `${m.role}: ${m.content}\n`).join('') + (o?.addGenerationPrompt ? 'assistant:' : ''),
  }) as Tokenizer;
  const bare = tokenizeRecord({ shape: 'chat', messages: chats[0]! }, plain).row!;
  assert.equal(count([...bare.inputIds], BOS), 0);
  assert.equal(sequenceLength({ shape: 'chat', messages: chats[0]! }, plain), bare.inputIds.length);
});

/** The bundled tokenizer with another chat template. */
function withTemplate(source: string): Tokenizer {
  const t = new ChatTemplate(source, { bosToken: '<s>', eosToken: '</s>', source: 'test template' });
  return Object.assign(Object.create(tok) as Tokenizer, {
    applyChatTemplate: (ms: readonly ChatMessage[], o?: { addGenerationPrompt?: boolean }) => t.render(ms, o),
  }) as Tokenizer;
}

// Mistral-7B-Instruct-v0.3's chat template (mistral-v03-template.ts): the system
// message goes into the LAST user turn only, so a chat rendered up to an earlier turn differs from the whole chat
// from its last user turn on — and a chat ending with an assistant turn renders no system message at all.

test('{messages} under a template that moves the system message to the last user turn (Mistral v0.3): only the assistant turns are trained', () => {
  const withV03 = withTemplate(MISTRAL_V03_TEMPLATE);
  for (const messages of chats) {
    const r = tokenizeRecord({ shape: 'chat', messages }, withV03).row!;
    const ids = [...r.inputIds], labels = [...r.labels!];
    // the piecewise construction: [INST] user[/INST] untrained, then the answer and its EOS trained
    const ref = [BOS], refLabels = [IGNORE_INDEX];
    for (const m of messages) {
      if (m.role === 'system') continue;
      const piece = m.role === 'user' ? tok.encode(`[INST] ${m.content}[/INST]`) : [...tok.encode(m.content.trim()), EOS];
      ref.push(...piece);
      refLabels.push(...(m.role === 'user' ? piece.map(() => IGNORE_INDEX) : piece));
    }
    assert.deepEqual(ids, ref, 'the rendering, without the system message (the template drops it)');
    assert.deepEqual(labels, refLabels, JSON.stringify(tok.decode(trained(ids, labels), { skipSpecialTokens: false })));
  }
  // the lost system message is said (the trainer warns with the count), not under the default template
  assert.equal(tokenizeRecord({ shape: 'chat', messages: chats[1]! }, withV03).systemUnrendered, true);
  assert.equal(tokenizeRecord({ shape: 'chat', messages: chats[0]! }, withV03).systemUnrendered, undefined);
  assert.equal(tokenizeRecord({ shape: 'chat', messages: chats[1]! }, tok).systemUnrendered, undefined);
});

test('{messages} under a reasoning template that drops the thinking of earlier turns: each turn trains what the whole chat renders of it', () => {
  const thinking = withTemplate("{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}[INST] {{ m.content }}[/INST]{% else %}{% set c = m.content %}{% if not loop.last %}{% set c = c.split('</think>')[-1] %}{% endif %} {{ c | trim }}{{ eos_token }}{% endif %}{% endfor %}");
  const messages: ChatMessage[] = [
    { role: 'user', content: 'What is 2+2?' }, { role: 'assistant', content: '<think>two and two</think> Four.' },
    { role: 'user', content: 'And 3+3?' }, { role: 'assistant', content: '<think>three and three</think> Six.' },
  ];
  const r = tokenizeRecord({ shape: 'chat', messages }, thinking).row!;
  const ids = [...r.inputIds], labels = [...r.labels!];
  assert.deepEqual(ids, [BOS, ...tok.encode('[INST] What is 2+2?[/INST] Four.'), EOS, ...tok.encode('[INST] And 3+3?[/INST] <think>three and three</think> Six.'), EOS]);
  const spans = ids.map((id, t) => (labels[t] === IGNORE_INDEX ? '|' : tok.decode([id], { skipSpecialTokens: false }))).join(' ').split('|').map((s) => s.trim()).filter(Boolean);
  assert.equal(spans.length, 2, JSON.stringify(spans));
  assert.equal(tok.decode(trained(ids, labels), { skipSpecialTokens: false }), 'Four.</s> <think>three and three</think> Six.</s>');
  assert.equal(sequenceLength({ shape: 'chat', messages }, thinking), ids.length, 'prepare counts what training builds');
});

test('{messages} under a template that writes BOS before every user turn (Llama 2 chat): accepted, the BOS tokens untrained', () => {
  const llama2 = withTemplate("{% for m in messages %}{% if m.role == 'user' %}{{ bos_token + '[INST] ' + m.content + ' [/INST]' }}{% else %}{{ ' ' + m.content + ' ' + eos_token }}{% endif %}{% endfor %}");
  const r = tokenizeRecord({ shape: 'chat', messages: chats[0]!.concat([{ role: 'user', content: 'And 3+3?' }, { role: 'assistant', content: '6' }]) }, llama2).row!;
  const ids = [...r.inputIds], labels = [...r.labels!];
  assert.equal(count(ids, BOS), 2);
  ids.forEach((id, t) => id === BOS && assert.equal(labels[t], IGNORE_INDEX));
  assert.match(tok.decode(trained(ids, labels), { skipSpecialTokens: false }), /^4 ?<\/s> ?6 ?<\/s>$/);
});

test('an assistant turn whose content is "a" or "b" (a multiple-choice answer) on the changed-span path: only the turns are trained', () => {
  // the span is found by rendering the content replaced by other texts; one of them equal to the content rendered the
  // chat unchanged, and the span ran to the chat's end (the user turns after it trained)
  const withV03 = withTemplate(MISTRAL_V03_TEMPLATE);
  for (const answer of ['a', 'b', ' b ']) {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Answer with one letter.' }, { role: 'user', content: 'Pick a or b' }, { role: 'assistant', content: answer },
      { role: 'user', content: 'Why?' }, { role: 'assistant', content: 'Because.' },
    ];
    const r = tokenizeRecord({ shape: 'chat', messages }, withV03);
    const ids = [...r.row!.inputIds], labels = [...r.row!.labels!];
    const ref = [BOS], refLabels = [IGNORE_INDEX];
    for (const m of messages.slice(1)) {
      const piece = m.role === 'user' ? tok.encode(`[INST] ${m.content}[/INST]`) : [...tok.encode(m.content.trim()), EOS];
      ref.push(...piece);
      refLabels.push(...(m.role === 'user' ? piece.map(() => IGNORE_INDEX) : piece));
    }
    assert.deepEqual(ids, ref);
    assert.deepEqual(labels, refLabels, JSON.stringify(tok.decode(trained(ids, labels), { skipSpecialTokens: false })));
    assert.equal(sequenceLength({ shape: 'chat', messages }, withV03), r.length);
  }
});

test('sequenceLength encodes a prompt and completion once (their joined text), with the length and the errors tokenizeRecord gives', () => {
  // before: it built the whole row, the prompt encoded alone too, for the length only (prepare counts every record)
  let encodes = 0;
  const withEncode = (encode: (text: string) => number[]): Tokenizer => new Proxy(tok, {
    get: (t, k) => (k === 'encode' ? encode : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as Function).bind(t) : Reflect.get(t, k)),
  }) as Tokenizer;
  const counting = withEncode((text) => { encodes++; return tok.encode(text); });
  const r: DataRecord = { shape: 'prompt_completion', prompt: 'Q: colour of the sky? ', completion: 'Blue, mostly.' };
  assert.equal(sequenceLength(r, counting), tokenizeRecord(r, tok).length);
  assert.equal(encodes, 1);
  // a special token's text or a character without a token, in either field: tokenizeRecord's error, naming the field
  const noEuro = withEncode((text) => tok.encode(text.replaceAll('€', '<unk>')));
  for (const [prompt, completion] of [['costs 5€? ', 'Yes.'], ['Price? ', '5€'], ['a </s> b ', 'c'], ['a ', 'b </s>']]) {
    const pc: DataRecord = { shape: 'prompt_completion', prompt: prompt!, completion: completion! };
    const expected = (() => { try { tokenizeRecord(pc, noEuro); return null; } catch (e) { return (e as Error).message; } })();
    assert.ok(expected !== null, `${prompt}|${completion}`);
    assert.throws(() => sequenceLength(pc, noEuro), { message: expected! });
  }
});

test('fullyMaskedWithin of a long chat whose first trained turn fits renders and encodes that turn only, not every turn', () => {
  // before: the whole row, two renders and encodes per assistant turn, for every chat prepare found over --max-tokens
  let encodes = 0;
  const counting = new Proxy(tok, {
    get: (t, k) => (k === 'encode' ? (text: string) => { encodes++; return tok.encode(text); } : typeof Reflect.get(t, k) === 'function' ? (Reflect.get(t, k) as Function).bind(t) : Reflect.get(t, k)),
  }) as Tokenizer;
  const messages: ChatMessage[] = [];
  for (let i = 0; i < 12; i++) messages.push({ role: 'user', content: `Question ${i} about the weather today?` }, { role: 'assistant', content: `Answer ${i}: sunny and warm.` });
  const record: DataRecord = { shape: 'chat', messages };
  assert.equal(fullyMaskedWithin(record, counting, 40), false);
  // the chat and the first turn's two renderings, beside the texts checked for special tokens (one encode each)
  assert.ok(encodes <= 3 + messages.length, `${encodes} encodes`);
});

test('fullyMaskedWithin is whether tokenizeRecord cut to that length drops the chat, for every template and length', () => {
  const chatml = withTemplate("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
  const chats: ChatMessage[][] = [
    [{ role: 'user', content: 'Hi there, how are you?' }, { role: 'assistant', content: 'Fine.' }],
    [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'One?' }, { role: 'assistant', content: 'Uno.', weight: 0 } as ChatMessage,
      { role: 'user', content: 'Two, and a long question after it?' }, { role: 'assistant', content: 'Dos.' }],
    [{ role: 'system', content: 'Answer with one letter.' }, { role: 'user', content: 'Pick a or b' }, { role: 'assistant', content: 'a' },
      { role: 'user', content: 'Why?' }, { role: 'assistant', content: 'Because.' }],
  ];
  for (const [name, t] of [['v0.1', tok], ['v0.3', withTemplate(MISTRAL_V03_TEMPLATE)], ['chatml', chatml]] as Array<[string, Tokenizer]>) {
    for (const messages of chats) {
      const record: DataRecord = { shape: 'chat', messages };
      const length = tokenizeRecord(record, t).length;
      for (let maxLen = 1; maxLen <= length; maxLen++) {
        const dropped: boolean = tokenizeRecord(record, t, { maxSeqLen: maxLen, overflow: 'truncate' }).row === null;
        assert.equal(fullyMaskedWithin(record, t, maxLen), dropped, `${name} ${JSON.stringify(messages)} at ${maxLen}`);
      }
    }
  }
});
