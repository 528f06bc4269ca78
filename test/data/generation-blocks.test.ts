// A chat template that marks the assistant's output itself with {% generation %} … {% endgeneration %}: data.train_on
// 'assistant' trains the tokens of each block, as TRL 1.13's assistant_only_loss does (transformers'
// return_assistant_tokens_mask), against test/fixtures/trl-generation-blocks (made by its make_blocks.py with TRL's
// SFTTrainer): four templates of other families on the bundled tokenizer — a block that starts with the newline after
// the ChatML header, a Llama-3 one whose "<|eot_id|>" text merges with the next turn's "<" (that token is trained, as
// transformers marks the token holding the block's last character), a block holding the Zephyr header, and a block of
// the content alone with the EOS after it (untrained, as TRL leaves it) — three chats each. Targets are compared from
// position 1. Where the chat ends without an EOS (ChatML, Llama 3 here), ours has one more, trained (docs/data.md),
// which TRL does not add to a chat, with what the template writes after the last block trained before it. And the fixture's cases, each a template with its own records, where the blocks are
// not one per assistant turn or not where the turn's text is: TRL's diffusion_gemma_training.jinja on a tool-call chat
// (4 blocks for 2 turns, one empty), a block around the last turn only, nested blocks, a block inside a macro
// (transformers counts it from where the macro's call starts: "<A>" trained, the end of the turn not), a block holding
// the EOS and "</A>" after it (all trained, not stopped at the EOS as a turn found without blocks is), a macro written
// as {{ turn(m) | trim }}, {{ turn(m) | safe }}, {{ turn(m)|string() }}, in parentheses (with both, and `if … else …`), as
// {{- turn(m) if loop.last else … -}} and as {{ f(m) }} after {% set f = turn %} (counted from the call's start too:
// those filters give the text back unchanged; refused before, as `| upper` is), as {{ turn(m) | default('') }} and
// {{ (turn(m) | join) | d | join('') }} (the same: refused before too), chats holding U+FDD0–U+FDD3 (marked with
// another set of noncharacters: refused before, the marks' characters), a macro whose body writes '{% endmacro %}' as a string (ours ended the macro there and
// failed to parse the marked template), a macro beside a {# comment #} holding a {% macro %} of its name (ours read the
// comment's as a macro and found the turns without the blocks), a block ending in two spaces (the chat's "▁", "▁</" where the text up to the block's
// end encodes as "▁▁": "▁</" holds its last character, and is trained), blocks ending in a character written as its
// bytes' <0xNN> tokens (transformers' char_to_token gives the first: the lead byte trained, the others not), and blocks
// empty but in the last turn (the token "></" that merges across an empty one is trained), a block holding two EOS (all
// trained: ours refused "more than one EOS in this assistant turn"), and a block ending in a newline after the EOS (the
// normalizer's Prepend writes a "▁" before it, of its offsets: char_to_token gives the ▁, so the ▁ is trained and the
// newline not; ours trained the newline) — TRL trains every block's tokens all the same, and so does ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { prepare } from '../../src/data/prepare.ts';
import { fullyMaskedWithin, tokenizeRecord } from '../../src/data/tokenize.ts';
import type { DataRecord } from '../../src/data/record.ts';
import { FOLLOWABLE_BLOCKS_WAY_OUT } from '../../src/tokenizer/generation-block-places.ts';
import { MARK_SETS } from '../../src/tokenizer/generation-blocks.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { UserError } from '../../src/util/errors.ts';
import { loadNotes } from '../../src/train/data.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { readJsonl } from './helpers.ts';

type Row = { input_ids: number[]; labels: number[] };
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'trl-generation-blocks', 'blocks.json'), 'utf8')) as {
  inputs: Record<string, string>;
  model_files: string[];
  templates: Record<string, string>;
  chats: unknown[][];
  cases: Record<string, { template: string; records: unknown[] }>;
  labels: Record<string, Row[]>;
};
const TINY_MODEL = path.join(FIXTURES, '..', '..', 'models', 'mistral-tune-tiny');

/** A folder with the bundled tokenizer and `template` as its chat template. */
function modelWith(dir: string, template: string): string {
  fs.copyFileSync(path.join(TINY_MODEL, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  const config = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: template }));
  return dir;
}

test('make_blocks.py read the tokenizer that modelWith gives ours: the same files, and none other that transformers reads', () => {
  // make_blocks.py loads the whole bundled model folder with AutoTokenizer; modelWith copies tokenizer.json and
  // tokenizer_config.json alone: a file changed since, or another file transformers' tokenizer reads there, would make
  // the two sides tokenize other inputs
  const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(path.join(TINY_MODEL, file))).digest('hex');
  assert.deepEqual(Object.keys(ref.inputs).sort(), ['tokenizer.json', 'tokenizer_config.json']);
  for (const [file, hash] of Object.entries(ref.inputs)) assert.equal(sha256(file), hash, `${file} changed since make_blocks.py ran: run it again`);
  assert.deepEqual(fs.readdirSync(TINY_MODEL).sort(), ref.model_files, 'the bundled model folder changed since make_blocks.py ran: run it again');
  const read = ['special_tokens_map.json', 'added_tokens.json', 'chat_template.jinja', 'chat_template.json', 'tokenizer.model', 'additional_chat_templates'];
  assert.deepEqual(read.filter((f) => ref.model_files.includes(f)), [], 'transformers reads these beside the two files modelWith copies');
});

/** Our rows of `records` (JSONL records) under `template` against TRL's `trl`: the same ids and targets from position 1. */
function assertTrlRows(template: string, records: unknown[], trl: Row[]): void {
  const dir = tempDir('mt-gen-blocks-');
  try {
    const tokenizer = loadTokenizer(modelWith(dir, template));
    const file = path.join(dir, 'chats.jsonl');
    fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const ours = loadTokenRows(file, { tokenizer, trainOn: 'assistant' }).rows;
    assert.equal(ours.length, records.length);
    trl.forEach((want0, i) => {
      const eos = tokenizer.eosId!;
      // a chat ending bare (no EOS in or after its last block): ours adds the EOS, with what the template writes after the
      // last block trained before it
      const lastTrained = want0.labels.findLastIndex((l) => l !== -100);
      let lastBlock = lastTrained;
      while (lastBlock > 0 && want0.labels[lastBlock - 1] !== -100) lastBlock--;
      const endsBare = !want0.input_ids.slice(Math.max(lastBlock, 0)).includes(eos);
      const tail = (l: number, t: number) => (endsBare && lastTrained >= 0 && t > lastTrained ? want0.input_ids[t]! : l);
      const want = endsBare ? { ids: [...want0.input_ids, eos], labels: [...want0.labels.map(tail), eos] } : { ids: want0.input_ids, labels: want0.labels };
      const row = ours[i]!;
      assert.deepEqual(Array.from(row.inputIds), want.ids, `chat ${i}: input ids`);
      const labels = Array.from(row.labels!);
      const apart = labels.flatMap((l, t) => (t > 0 && l !== want.labels[t] ? [t] : []));
      assert.deepEqual(apart, [], `chat ${i}: targets apart from TRL's at ${apart.join(', ')}`);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

for (const [name, template] of Object.entries(ref.templates)) {
  test(`{% generation %} blocks (${name}): the tokens TRL's assistant_only_loss trains`, () => {
    assertTrlRows(template, ref.chats.map((messages) => ({ messages })), ref.labels[name]!);
  });
}

for (const [name, { template, records }] of Object.entries(ref.cases)) {
  test(`{% generation %} blocks not one per assistant turn (${name}): every block's tokens, as TRL trains them`, () => {
    assertTrlRows(template, records, ref.labels[name]!);
  });
}

test('a chat cut where only the text before its {% generation %} block is left is fully masked, as the trainer finds it', () => {
  // " ANSWER:" is written before the block, so the generation prompt (none here) does not cover it: found without the
  // block, the turn would start there, and prepare --overflow truncate would keep a record that train drops
  const template = "{{- bos_token }}{%- for m in messages %}{%- if m.role == 'assistant' %}{{- ' ANSWER:' }}{% generation %}{{- ' ' + m.content + eos_token }}{% endgeneration %}{%- else %}{{- '[INST] ' + m.content + ' [/INST]' }}{%- endif %}{%- endfor %}";
  const dir = tempDir('mt-gen-blocks-');
  try {
    const tokenizer = loadTokenizer(modelWith(dir, template));
    const record: DataRecord = { shape: 'chat', messages: [{ role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: 'Paris.' }] };
    const { row } = tokenizeRecord(record, tokenizer);
    const first = row!.labels!.findIndex((l) => l !== -100);
    assert.equal(tokenizer.decode(Array.from(row!.inputIds.slice(first))), 'Paris.', 'the block alone is trained');
    assert.ok(tokenizer.decode(Array.from(row!.inputIds.slice(0, first))).endsWith('ANSWER:'));
    assert.equal(fullyMaskedWithin(record, tokenizer, first), true, 'cut before the block: nothing to train');
    assert.equal(tokenizeRecord(record, tokenizer, { maxSeqLen: first, overflow: 'truncate' }).row, null);
    assert.equal(fullyMaskedWithin(record, tokenizer, first + 2), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a template that writes text after the last {% generation %} block and no EOS: the EOS goes at the chat\'s end, that text trained before it', () => {
  // "</A>\n" after the block: the EOS inserted right after the block would give "…</s></A>\n", a text the template never
  // writes, and a model that stops before closing its turn
  const template = "{{ bos_token }}{% for m in messages %}{% if m.role == 'assistant' %}<A>{% generation %}{{ m.content }}{% endgeneration %}</A>\n{% else %}<U>{{ m.content }}</U>{% endif %}{% endfor %}";
  const dir = tempDir('mt-gen-blocks-');
  try {
    const tokenizer = loadTokenizer(modelWith(dir, template));
    const messages = [{ role: 'user' as const, content: 'a' }, { role: 'assistant' as const, content: 'b' }, { role: 'user' as const, content: 'c' }, { role: 'assistant' as const, content: 'Paris.' }];
    const { row } = tokenizeRecord({ shape: 'chat', messages }, tokenizer);
    const rendered = tokenizer.applyChatTemplate(messages);
    assert.deepEqual(Array.from(row!.inputIds), [...tokenizer.encode(rendered), tokenizer.eosId!], 'the rendered chat, then the EOS');
    const labels = Array.from(row!.labels!);
    const first = labels.findLastIndex((l, t) => l === -100 && t < labels.length - 1) + 1;
    assert.equal(tokenizer.decode(Array.from(row!.inputIds.slice(first)), { skipSpecialTokens: false }), 'Paris.</A>\n</s>', 'the last block, the text after it and the EOS trained');
    assert.ok(labels.slice(first).every((l, k) => l === row!.inputIds[first + k]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a block around the last turn only: the earlier turn is untrained, and prepare's fully-masked check finds the same", () => {
  // TRL trains the one block; an earlier turn outside any block is context. fullyMaskedWithin must agree with the
  // row at every length: cut before the block, the chat has nothing to train (found without the block, the first
  // turn would be trained, and prepare --overflow truncate would keep a record that train drops)
  const { template, records } = ref.cases['last_turn_only']!;
  const dir = tempDir('mt-gen-blocks-');
  try {
    const tokenizer = loadTokenizer(modelWith(dir, template));
    const record: DataRecord = { shape: 'chat', messages: (records[0] as { messages: Array<{ role: 'user' | 'assistant'; content: string }> }).messages };
    const { row } = tokenizeRecord(record, tokenizer);
    const first = row!.labels!.findIndex((l) => l !== -100);
    assert.equal(tokenizer.decode(Array.from(row!.inputIds.slice(first))), '42</A>', 'the last block (and the EOS added after it) alone');
    for (let n = 2; n <= row!.inputIds.length; n++) {
      const dropped: boolean = tokenizeRecord(record, tokenizer, { maxSeqLen: n, overflow: 'truncate' }).row === null;
      assert.equal(fullyMaskedWithin(record, tokenizer, n), dropped, `cut to ${n}`);
    }
    assert.equal(fullyMaskedWithin(record, tokenizer, first), true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a {%+ generation %} block (jinja2: lstrip_blocks off for that tag) is followed as transformers follows it, not refused as TRL refuses it', () => {
  // transformers 5.17's return_assistant_tokens_mask marks it (/tmp/s67/t1/mk.py plus_gen: "b</A>" of each turn, as
  // for {% generation %}); TRL 1.13's has_generation_markers regex misses the +, so SFTTrainer with assistant_only_loss
  // looks for a training template of its own and raises. The + changes only the indentation kept before the tag.
  const A_U = (a: string) => `{{ bos_token }}{% for m in messages %}{% if m.role == 'assistant' %}${a}{% else %}<U>{{ m.content }}</U>{% endif %}{% endfor %}`;
  const record: DataRecord = { shape: 'chat', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'dd' }] };
  const dir = tempDir('mt-gen-blocks-');
  try {
    const rowOf = (template: string) => {
      const { row } = tokenizeRecord(record, loadTokenizer(modelWith(dir, template)));
      return { ids: Array.from(row!.inputIds), labels: Array.from(row!.labels!) };
    };
    const plus = rowOf(A_U('<A>{%+ generation %}{{ m.content }}</A>{% endgeneration %}'));
    assert.deepEqual(plus, rowOf(A_U('<A>{% generation %}{{ m.content }}</A>{% endgeneration %}')));
    assert.notDeepEqual(plus, rowOf(A_U('<A>{{ m.content }}</A>')), 'the turns found as without blocks');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('nested blocks with a turn of weight 0: that turn is left out, the turns found as without blocks', () => {
  // every block's tokens cannot leave a turn out (docs/data.md): the turns are then found by rendering up to each
  const { template, records } = ref.cases['nested']!;
  const dir = tempDir('mt-gen-blocks-');
  try {
    const tokenizer = loadTokenizer(modelWith(dir, template));
    const messages = (records[0] as { messages: Array<{ role: 'user' | 'assistant'; content: string }> }).messages;
    const record: DataRecord = { shape: 'chat', messages: messages.map((m, i) => (i === 1 ? { ...m, weight: 0 } : m)) };
    const { row } = tokenizeRecord(record, tokenizer);
    const trained = Array.from(row!.inputIds).filter((_, t) => row!.labels![t] !== -100);
    assert.equal(tokenizer.decode(trained), '><A>[42]</A>', 'the last turn alone, as found without blocks');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a macro whose header holds '%}' in a string (a default argument): its block is followed, as TRL trains it", () => {
  // the macro's tag read up to the first "%}" broke the marked template ("cannot parse the chat template")
  const { template, records } = ref.cases['macro']!;
  assert.ok(template.includes('{% macro turn(m) %}'));
  assertTrlRows(template.replace('{% macro turn(m) %}', "{% macro turn(m, s='%}') %}"), records, ref.labels['macro']!);
});

test('a block whose place transformers counts from where a call ran (a macro called by another, by {% call %}, stored by {% set %}, joined to other text, through a filter, passed to a macro; a block in a {% set %} or {% filter %} body): train_on assistant refused naming it, train_on all as without blocks', () => {
  // transformers counts such a block from the text written before the call ran, which the marks do not see ("<A>"
  // trained in '{{ "<A>" ~ turn(m) }}', "<pre>" in the {% set %} case): followed, they gave masks TRL does not give, and
  // the turns found as without blocks are another mask than TRL's too (seen with transformers 5.17 for each)
  const tail = "{{ bos_token }}{% for m in messages %}{% if m.role == 'assistant' %}ASSISTANT{% else %}<U>{{ m.content }}</U>{% endif %}{% endfor %}";
  const M = '{% macro turn(m) %}<A>{% generation %}{{ m.content }}</A>{% endgeneration %}{% endmacro %}';
  const variants = {
    nested: ['{% macro inner(m) %}[{% generation %}{{ m.content }}{% endgeneration %}]{% endmacro %}{% macro outer(m) %}<A>{{ inner(m) }}</A>{% endmacro %}', '{{ outer(m) }}'],
    call: ['{% macro wrap() %}<A>{{ caller() }}</A>{% endmacro %}', '{% call wrap() %}{% generation %}{{ m.content }}{% endgeneration %}{% endcall %}'],
    callOfBlockMacro: ['{% macro turn(m) %}<A>{% generation %}{{ m.content }}</A>{% endgeneration %}{{ caller() }}{% endmacro %}', '<p>{% call turn(m) %}!{% endcall %}'],
    stored: ['{% macro turn(m) %}<A>{% generation %}{{ m.content }}{% endgeneration %}</A>{% endmacro %}', '{% set x = turn(m) %}<pre>{{ x }}'],
    joined: ['{% macro turn(m) %}{% generation %}{{ m.content }}{% endgeneration %}{% endmacro %}', "{{ '<A>' ~ turn(m) }}</A>"],
    piped: [M, '<p>{{ turn(m) | upper }}'],
    // a separator between its characters; a second argument to `default` (true: an empty output replaced)
    joinedBySeparator: [M, "<p>{{ turn(m) | join(', ') }}"],
    defaultIfEmpty: [M, "<p>{{ turn(m) | default('<A></A>', true) }}"],
    // after filters that keep the text (followed alone), one that changes it; in parentheses, joined to text
    pipedAfterSafe: [M, '<p>{{ (turn(m) | safe) | string | e }}'],
    parenthesesJoined: [M, "<p>{{ ((turn(m)) ~ '') }}"],
    parenthesesTuple: [M, '<p>{{ (turn(m), 1) | first }}'],
    filterBody: [M, '<p>{% filter upper %}{{ turn(m) }}{% endfilter %}'],
    blockInFilterBody: ['', '<A>{% filter upper %}{% generation %}{{ m.content }}{% endgeneration %}{% endfilter %}</A>'],
    setBody: ['', '{% set t %}{% generation %}{{ m.content }}{% endgeneration %}{% endset %}<A>{{ t }}</A>'],
    // an inline {% set x = … %} before the body: read up to the body's {% endset %}, it hid the body
    setBodyAfterSet: ["{% set sep = '' %}", '{% set t %}{% generation %}{{ m.content }}{% endgeneration %}{% endset %}<A>{{ t }}</A>'],
    // a {% call %} body holding another: the outer one's text after the inner's {% endcall %} is in its body too
    nestedCallBodies: ['{% macro wrap() %}{{ caller() }}{% endmacro %}{% macro turn(m) %}<A>{% generation %}{{ m.content }}{% endgeneration %}</A>{% endmacro %}', '{% call wrap() %}{% call wrap() %}{% endcall %}<pre>{{ turn(m) }}{% endcall %}'],
    // the macro under another name ({% set f = turn %}), joined; passed to another macro that calls it
    aliasJoined: ['{% macro turn(m) %}{% generation %}{{ m.content }}{% endgeneration %}{% endmacro %}{% set f = turn %}', "{{ '<A>' ~ f(m) }}</A>"],
    passed: ['{% macro turn(m) %}{% generation %}{{ m.content }}{% endgeneration %}{% endmacro %}{% macro wrap(f, m) %}<A>{{ f(m) }}</A>{% endmacro %}', '{{ wrap(turn, m) }}'],
    passedToCaller: [M + '{% macro call_it(f, m) %}{{ f(m) }}{% endmacro %}', '<p>{{ call_it(turn, m) }}'],
    macroInSetBodyAfterSet: ["{% set sep = '' %}{% macro turn(m) %}<A>{% generation %}{{ m.content }}{% endgeneration %}</A>{% endmacro %}", '{% set t %}<pre>{{ turn(m) }}{% endset %}{{ t }}'],
  };
  const dir = tempDir('mt-gen-blocks-');
  try {
    const record: DataRecord = { shape: 'chat', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'Paris.' }] };
    const rowOf = (template: string) => {
      const { row } = tokenizeRecord(record, loadTokenizer(modelWith(dir, template)), { trainOn: 'all' });
      return { ids: Array.from(row!.inputIds), labels: Array.from(row!.labels!) };
    };
    for (const [name, [macros, turn]] of Object.entries(variants)) {
      const template = macros + tail.replace('ASSISTANT', turn);
      assert.throws(() => tokenizeRecord(record, loadTokenizer(modelWith(dir, template))), (e: Error) => e instanceof UserError && !e.message.includes('\n')
        && /tokenizer_config\.json: chat_template: the chat template's \{% generation %\} blocks cannot be followed as transformers marks them — .*\(line 1[:)]/.test(e.message)
        && e.message.endsWith(`; ${FOLLOWABLE_BLOCKS_WAY_OUT}`), name);
      assert.deepEqual(rowOf(template), rowOf(template.replace(/{%-?\s*(end)?generation\s*-?%}/g, '')), name);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a chat whose blocks the marks cannot follow (a `| trim` that cuts some of the macro\'s output): train_on assistant refused, train_on all as without blocks', () => {
  // transformers counts the trimmed block from the untrimmed output, off the text: the turns found as without blocks,
  // as before, were another mask than TRL's
  const tail = "{{ bos_token }}{% for m in messages %}{% if m.role == 'assistant' %}ASSISTANT{% else %}<U>{{ m.content }}</U>{% endif %}{% endfor %}";
  const trimmed = '{% macro turn(m) %} <A>{% generation %}{{ m.content }}{% endgeneration %}</A> {% endmacro %}' + tail.replace('ASSISTANT', '{{ turn(m) | trim }}');
  const cases: Array<[string, string, string]> = [['trimmed', trimmed, 'b']];
  const dir = tempDir('mt-gen-blocks-');
  try {
    for (const [name, template, content] of cases) {
      const record: DataRecord = { shape: 'chat', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'Paris.' }] };
      const rowOf = (t: string) => {
        const { row } = tokenizeRecord(record, loadTokenizer(modelWith(dir, t)), { trainOn: 'all' });
        return { ids: Array.from(row!.inputIds), labels: Array.from(row!.labels!) };
      };
      assert.throws(() => tokenizeRecord(record, loadTokenizer(modelWith(dir, template))), (e: Error) => e instanceof UserError && !e.message.includes('\n')
        && /^.*the chat template's \{% generation %\} blocks cannot be followed in this chat /.test(e.message) && e.message.endsWith(`; ${FOLLOWABLE_BLOCKS_WAY_OUT}`), name);
      assert.deepEqual(rowOf(template), rowOf(template.replace(/{%-?\s*(end)?generation\s*-?%}/g, '')), name);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("train_on all with a template whose blocks mark none of the chat's last turn: its EOS as without blocks", () => {
  // the turns only place the EOS there: a block rendered for no turn of this chat, or an empty one, left the chat
  // without the EOS a template without blocks gets at its end
  const turn = {
    none: "<A>{% if m.content == 'never' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}</A>",
    empty: '<A>{{ m.content }}{% generation %}{% endgeneration %}</A>',
  };
  const dir = tempDir('mt-gen-blocks-');
  try {
    const record: DataRecord = { shape: 'chat', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'Paris.' }] };
    const rowOf = (template: string) => {
      const tokenizer = loadTokenizer(modelWith(dir, template));
      const { row } = tokenizeRecord(record, tokenizer, { trainOn: 'all' });
      return { ids: Array.from(row!.inputIds), labels: Array.from(row!.labels!), eos: tokenizer.eosId };
    };
    for (const [name, t] of Object.entries(turn)) {
      const template = `{{ bos_token }}{% for m in messages %}{% if m.role == 'assistant' %}${t}{% else %}<U>{{ m.content }}</U>{% endif %}{% endfor %}`;
      const row = rowOf(template);
      assert.equal(row.ids.at(-1), row.eos, `${name}: the chat ends with the EOS`);
      assert.deepEqual(row, rowOf(template.replace(/{%-?\s*(end)?generation\s*-?%}/g, '')), name);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("prepare rejects a chat whose template's {% generation %} blocks mark none of its tokens (fully_masked), as training would drop it", () => {
  // a block in a branch this chat does not take: TRL trains nothing of it; kept, the train.jsonl lost it unnamed when loaded
  const template = "{{ bos_token }}{% for m in messages %}{% if m.role == 'assistant' %}<A>{% if m.content == 'Yes.' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}</A>{% else %}<U>{{ m.content }}</U>{% endif %}{% endfor %}";
  const dir = tempDir('mt-gen-blocks-');
  try {
    const tokenizer = loadTokenizer(modelWith(dir, template));
    const chats = [['Is it?', 'Yes.'], ['Is it not?', 'No.'], ['Really?', 'Yes.']].map(([q, a]) => ({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] }));
    const file = path.join(dir, 'chats.jsonl');
    fs.writeFileSync(file, chats.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = path.join(dir, 'out');
    const { report } = prepare({ inputs: [file], outDir: out, tokenizer, split: [1, 0, 0] });
    const rejected = readJsonl<{ source: { line: number }; reason: string; detail: string }>(path.join(out, 'rejected.jsonl'));
    assert.deepEqual(rejected.map((r) => [r.source.line, r.reason]), [[2, 'fully_masked']]);
    assert.match(rejected[0]!.detail, /none to train: the chat template's \{% generation %\} blocks mark none of them/);
    // prepare cannot know the run's train_on: the detail says so, and what a train_on: all run does instead
    assert.match(rejected[0]!.detail, /prepare does not know the run's train_on: a train_on: all run, which trains every token, keeps it reading the raw file itself$/);
    assert.deepEqual(report.by_reason, { fully_masked: 1 });
    const { stats } = loadTokenRows(path.join(out, 'train.jsonl'), { tokenizer });
    assert.deepEqual([stats.records, stats.dropped], [2, 0]);
    const all = loadTokenRows(file, { tokenizer, trainOn: 'all' });
    assert.deepEqual([all.rows.length, all.stats.dropped], [3, 0], 'the raw file with train_on: all: every chat kept');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a raw chat file loaded for train or eval: a chat whose template's blocks mark none of its tokens is dropped saying so, not as cut to max_seq_len", () => {
  // before: "1 dropped (fully masked: no target token left within 512 tokens: the prompt or labels of -100 fill them)",
  // a reason that is not this one (the chat fits), and "every record was dropped (2): no target token left within …"
  const template = "{{ bos_token }}{% for m in messages %}{% if m.role == 'assistant' %}<A>{% if m.content == 'Yes.' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}</A>{% else %}<U>{{ m.content }}</U>{% endif %}{% endfor %}";
  const dir = tempDir('mt-gen-blocks-');
  try {
    const tokenizer = loadTokenizer(modelWith(dir, template));
    const write = (answers: string[]): string => {
      const file = path.join(dir, 'chats.jsonl');
      fs.writeFileSync(file, answers.map((a) => JSON.stringify({ messages: [{ role: 'user', content: 'Is it?' }, { role: 'assistant', content: a }] })).join('\n') + '\n');
      return file;
    };
    const { stats } = loadTokenRows(write(['Yes.', 'No.', 'Yes.']), { tokenizer, maxSeqLen: 512 });
    assert.deepEqual(loadNotes(stats, 512), ["1 dropped (fully masked: the chat template's {% generation %} blocks mark none of its tokens, so nothing of it is trained, as TRL's assistant_only_loss trains none; train_on: all trains every token)"]);
    assert.deepEqual([stats.records, stats.dropped, stats.fullyMasked, stats.blocksMarkNone], [3, 1, 1, 1]);
    assert.throws(() => loadTokenRows(write(['No.', 'Nope.']), { tokenizer, maxSeqLen: 512 }), /every record was dropped \(2\): the chat template's \{% generation %\} blocks mark none of their tokens/);
    // train_on: all trains them
    assert.equal(loadTokenRows(write(['No.', 'Nope.']), { tokenizer, maxSeqLen: 512, trainOn: 'all' }).stats.dropped, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a template whose only {% generation %} is in a comment or a string literal: train_on assistant refused (TRL raises), train_on all trains as before", () => {
  // TRL 1.13's has_generation_markers finds the text, so it keeps the template; transformers marks no token (an all-zero
  // assistant mask) and SFTTrainer raises "at least one example has no assistant tokens" (seen with this chat)
  const chat = { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] };
  const A_U = (a: string) => `{% for m in messages %}{% if m.role == 'assistant' %}${a}{% else %}<U>{{ m.content }}</U>{% endif %}{% endfor %}`;
  const templates = {
    comment: A_U('{# {%- generation %} #}<A>{{ m.content }}</A>'),
    string: '{{ bos_token }}\n' + A_U("{% set x = '{% generation %}' %}<A>{{ m.content }}</A>"),
  };
  for (const [name, template] of Object.entries(templates)) {
    const dir = tempDir('mt-gen-blocks-');
    try {
      const tokenizer = loadTokenizer(modelWith(dir, template));
      const file = path.join(dir, 'chats.jsonl');
      fs.writeFileSync(file, JSON.stringify(chat) + '\n');
      assert.throws(() => loadTokenRows(file, { tokenizer, trainOn: 'assistant' }), (e: Error) => !e.message.includes('\n')
        && new RegExp(`chat template's \\{% generation %\\} \\(line ${name === 'string' ? 2 : 1}\\) is inside a comment or a string literal`).test(e.message), name);
      const all = loadTokenRows(file, { tokenizer, trainOn: 'all' }).rows;
      assert.equal(all.length, 1, name);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a chat holding a character of each set of marks (U+FDD0–U+FDEF): train_on assistant refused saying so, train_on all as without blocks', () => {
  // a chat holding U+FDD0–U+FDD3 is marked with the next set (the fixture's mark_characters, as TRL trains it); one
  // holding a character of every set leaves none to mark it: refused before at U+FDD0–U+FDD3 alone, with train_on: all the only way out
  const template = "{{ bos_token }}{% for m in messages %}{% if m.role == 'assistant' %}<A>{% generation %}{{ m.content }}{% endgeneration %}</A>{% else %}<U>{{ m.content }}</U>{% endif %}{% endfor %}";
  const every = Array.from({ length: MARK_SETS }, (_, set) => String.fromCharCode(0xfdd0 + 4 * set + (set % 4))).join('');
  const record: DataRecord = { shape: 'chat', messages: [{ role: 'user', content: every }, { role: 'assistant', content: 'b' }] };
  const dir = tempDir('mt-gen-blocks-');
  try {
    const rowOf = (t: string) => {
      const { row } = tokenizeRecord(record, loadTokenizer(modelWith(dir, t)), { trainOn: 'all' });
      return { ids: Array.from(row!.inputIds), labels: Array.from(row!.labels!) };
    };
    assert.throws(() => tokenizeRecord(record, loadTokenizer(modelWith(dir, template))), (e: Error) => e instanceof UserError && !e.message.includes('\n')
      && e.message.startsWith(`the chat holds a character of each of the ${MARK_SETS} sets of noncharacters (U+FDD0–U+FDEF, four a set)`)
      && e.message.endsWith('remove those noncharacters from the chat, or train with train_on: all'));
    assert.deepEqual(rowOf(template), rowOf(template.replace(/{%-?\s*(end)?generation\s*-?%}/g, '')));
    // one set left free: followed
    const fewer: DataRecord = { shape: 'chat', messages: [{ role: 'user', content: every.slice(1) }, { role: 'assistant', content: 'b' }] };
    const { row } = tokenizeRecord(fewer, loadTokenizer(modelWith(dir, template)));
    const trained = Array.from(row!.inputIds).filter((_, t) => row!.labels![t] !== -100);
    assert.equal(loadTokenizer(modelWith(dir, template)).decode(trained), 'b</A>');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
