// Tokenization and loss masking of one record into a TokenRow (HF conventions: labels as long as
// inputIds, −100 where no loss is taken; the target of position t is labels[t + 1], so a trained token
// has labels[t] = inputIds[t]). The rules:
//  - one BOS, at the start, for every shape but pre-tokenized rows (which pass through validated), when the
//    tokenizer adds one (the ids tokenizer.json's post-processor puts before a text, as HF: leadingSpecialIds in
//    adds-special.ts); none otherwise ("BOS +" below is then nothing);
//    a chat has the BOS tokens its template writes and no other (HF's apply_chat_template, TRL's conversational
//    path: a template without bos_token, ChatML's, gives a chat without BOS);
//  - {text}: BOS + text + EOS, all trained;
//  - {prompt, completion}: BOS + the tokens of prompt + completion joined as they are (no separator
//    added) + EOS, loss on the completion and the EOS. As TRL does, the prompt is also encoded alone and
//    the tokens of the joined text within the common prefix of the two encodings are the prompt's (not
//    trained); encoding the pieces apart would put a SentencePiece "▁" at the completion's start that
//    the joined text never has. (Where the prompt's tokens are not a prefix of the joined ones — a prompt
//    ending in a space, whose "▁" the completion's first word takes — TRL 1.13 warns and masks as many
//    tokens as the prompt has alone, the completion's first among them; that token is trained here);
//  - {messages}: the chat template rendered and encoded whole; each assistant turn's tokens, found by
//    rendering the chat up to that turn (chatSequence), are trained, with at most one EOS each, but for a turn
//    of weight 0 (context); a chat whose template writes none in its last turn gets one, trained, at its end
//    when that turn is trained; trainOn 'all' trains every token;
//  - classification: BOS + text + the ids the post-processor puts after a text (none for Mistral's; EOS for a
//    "<s> $A </s>" template), no labels, `label` = the class index: transformers' tokenizer(text), as
//    run_classification.py tokenizes; truncated, the text is cut and those ids kept, as tokenizer(text, truncation=True):
//    its end kept where tokenizer_config.json's truncation_side is "left", its start otherwise; a maxSeqLen with no room
//    for one token of text beside those ids is refused. Generation rows keep their start whatever truncation_side says,
//    as TRL's SFTTrainer does (it tokenizes untruncated and cuts by its own truncation_mode, keep_start by default).
// Over-long sequences are truncated or dropped by `overflow`; a raw record left with nothing to train is
// dropped, and so is a pre-tokenized row that the cut leaves with none (TRL 1.13's SFTTrainer truncates and drops
// fully masked rows of an already tokenized dataset too); one given with no target and not cut is kept as given.
import type { TokenRow } from './batch.ts';
import { IGNORE_INDEX, countTargets } from './batch.ts';
import { leadingIds, type Tokenizer } from '../tokenizer/types.ts';
import { checkRecordArgs } from './record-args.ts';
import { UserError } from '../util/errors.ts';
import type { LabelSet } from './labels.ts';
import { checkTextRoom, classIndex, cutText, type TextAround } from './classification-text.ts';
import { namesOf, turnName, type FieldNames } from './field-names.ts';
import { DEFAULT_FIELDS, type ChatTurn, type FieldMap } from './record-shape.ts';
import type { DataRecord } from './record.ts';
import { pythonJson } from './python-numbers.ts';
import { TEMPLATE_KWARGS_FIELD, kwargsToCheck } from './template-kwargs-field.ts';
import { callIdText } from './record-content.ts';
import { specialTokenText } from './special-text.ts';
import { argumentsRenderedAsText, callTextLeftOut } from '../tokenizer/tool-use.ts';
import { commonPrefix } from './changed-span.ts';
import { chatGiven, renderChat, type ChatGiven } from './chat-render.ts';
import { turnSpans } from './turn-spans.ts';

export interface TokenizeOptions {
  /** Which tokens of a chat carry loss: assistant turns (default) or all of them. */
  trainOn?: 'assistant' | 'all';
  /** Longest sequence kept, in tokens (default: no limit). */
  maxSeqLen?: number;
  /**
   * maxSeqLen as the caller's user gave it, for an error about it: `max_seq_len` (train's config key), `--max-seq-len`,
   * `the run's max_seq_len` (default: `options.maxSeqLen`; loadTokenRows': its words' name of it).
   */
  maxSeqLenName?: string;
  /** How its user raises maxSeqLen where maxSeqLenName is not a thing they give (the run's max_seq_len: `--max-seq-len raises it`). */
  maxSeqLenFix?: string;
  /** What to do with a longer sequence: keep its first maxSeqLen tokens (default) or drop it. */
  overflow?: 'truncate' | 'drop';
  /** Class list for classification records (default: an integer label is its own index). */
  labels?: LabelSet;
  /**
   * What to do about a label that is not in `labels`, said with its error: the caller knows where the classes came
   * from (a training config's labels, which may change; a model's head, which may not).
   */
  unknownLabelFix?: string;
  /** Bounds pre-tokenized ids when no tokenizer is given. */
  vocabSize?: number;
  /** The field map the record was read with: an error names a field as the input does (field-names.ts). */
  fields?: FieldMap;
  /**
   * A classification text holding the text of a special token ("</s>"): refused (default: training and eval, where it
   * would be learnt or scored as that token), or encoded as that token, as transformers' tokenizer encodes it (classify:
   * a text to predict on; the record says which token: TokenizedRecord.specialText).
   */
  specialTokenText?: 'refuse' | 'encode';
}

/** A length limit as its user gave it (TokenizeOptions' maxSeqLen, maxSeqLenName, maxSeqLenFix). */
export interface MaxSeqLenGiven { maxSeqLen?: number; maxSeqLenName: string; maxSeqLenFix?: string }

/** The length limit of `opts` for a message: `--max-seq-len (512 tokens)`, `the run's max_seq_len (512 tokens; --max-seq-len raises it)`. */
export function maxSeqLenLimit(opts: MaxSeqLenGiven): string {
  return `${opts.maxSeqLenName} (${opts.maxSeqLen} tokens${opts.maxSeqLenFix === undefined ? '' : `; ${opts.maxSeqLenFix}`})`;
}

export interface TokenizedRecord {
  /**
   * The row, or null when it was dropped: too long with overflow 'drop' (overflow 'dropped'), or nothing left to train
   * (overflow 'truncated': fully masked by the cut, as TRL 1.13 drops such a row too; 'fits': none had a target).
   */
  row: TokenRow | null;
  /** Length in tokens before any truncation. */
  length: number;
  overflow: 'fits' | 'truncated' | 'dropped';
  /**
   * A chat whose system message the chat template does not render (Mistral v0.3's renders it in the last user
   * turn only, so not in a chat that ends with an assistant turn): the sequence has no system prompt.
   */
  systemUnrendered?: boolean;
  /** A chat with a tool call's arguments given as JSON text, which the chat template writes as a JSON string (tool-use.ts argumentsRenderedAsText). */
  argumentsAsText?: boolean;
  /** A classification text encoded with specialTokenText 'encode' that held the text of a special token: the first such. */
  specialText?: string;
}

/** Token ids of a sequence and its labels (−100 = untrained) while they are built. */
interface Seq {
  ids: number[];
  labels: number[];
  /**
   * A classification row's text between the special ids before and after it, which truncation keeps, cutting the text:
   * its end (keepEnd, truncation_side "left") or its start.
   */
  around?: TextAround;
}

/**
 * One record → one TokenRow (see the file header). `tok` may be null only for pre-tokenized records; their
 * ids are then checked against `opts.vocabSize` when given.
 */
export function tokenizeRecord(record: DataRecord, tok: Tokenizer | null, opts: TokenizeOptions = {}): TokenizedRecord {
  checkRecordArgs(record, tok);
  const names = namesOf(record, opts.fields ?? DEFAULT_FIELDS), f = names.fields;
  // pre-tokenized rows given with no target are kept, as HF keeps them: they hold their place in a batch (not one the cut left with none: finish)
  if (record.shape === 'pretokenized') return finish(pretokenizedSeq(record, tok?.vocabSize ?? opts.vocabSize), pretokenizedLabel(record, opts), opts, true);
  if (tok === null) throw new UserError(`a ${record.shape} record needs a tokenizer`);
  const trainAll = opts.trainOn === 'all';
  let seq: Seq;
  let label: number | undefined;
  switch (record.shape) {
    case 'text': {
      const ids = [...bos(tok), ...encodeText(tok, record.text, `"${f.text}"`), eos(tok)];
      seq = { ids, labels: trainedExceptFirst(ids) };
      break;
    }
    case 'prompt_completion': {
      const p = encodeText(tok, record.prompt, `"${f.prompt}"`);
      const pc = encodeText(tok, record.prompt + record.completion, `"${f.completion}"`);
      const start = bos(tok);
      const promptEnd = start.length + commonPrefix(p, pc); // ids[start.length … promptEnd) are the prompt's
      const ids = [...start, ...pc, eos(tok)];
      const labels = trainAll ? trainedExceptFirst(ids) : ids.map((id, t) => (t >= promptEnd ? id : IGNORE_INDEX));
      seq = { ids, labels };
      break;
    }
    case 'chat': {
      const given = chatGiven(record);
      const rendered = renderRecordChat(tok, record, names);
      const out = finish(chatSequence(record.messages, given, rendered, tok, trainAll, names), undefined, opts);
      return {
        ...out,
        ...(systemUnrendered(record.messages, rendered) ? { systemUnrendered: true } : {}),
        ...(argumentsRenderedAsText(record.messages, rendered, (ms) => renderChat(tok, ms, given)) ? { argumentsAsText: true } : {}),
      };
    }
    case 'classification': {
      const text = opts.specialTokenText === 'encode' ? tok.encode(record.text) : encodeText(tok, record.text, `"${f.text}"`);
      const leading = bos(tok), trailing = tok.trailingIds ?? [];
      if (opts.maxSeqLen !== undefined) checkTextRoom(opts.maxSeqLen, leading, trailing, opts.maxSeqLenName, opts.maxSeqLenFix);
      seq = { ids: [...leading, ...text, ...trailing], labels: [], around: { before: leading.length, after: trailing.length, keepEnd: tok.truncationSide === 'left' } };
      label = classIndex(record.label, opts);
      const special = opts.specialTokenText === 'encode' ? firstSpecial(tok, text, record.text) : undefined;
      if (special !== undefined) return { ...finish(seq, label, opts), specialText: special };
      break;
    }
  }
  return finish(seq, label, opts);
}

/** Pre-tokenized ids pass through (no BOS added); without labels every token is trained. */
function pretokenizedSeq(record: Extract<DataRecord, { shape: 'pretokenized' }>, vocabSize: number | undefined): Seq {
  if (vocabSize !== undefined) {
    for (const id of record.inputIds) {
      if (id >= vocabSize) throw new UserError(`token id ${id} is outside the vocabulary [0, ${vocabSize})`);
    }
  }
  if (record.label !== undefined) return { ids: [...record.inputIds], labels: [] };
  return { ids: [...record.inputIds], labels: record.labels ? [...record.labels] : trainedExceptFirst(record.inputIds) };
}

function pretokenizedLabel(record: Extract<DataRecord, { shape: 'pretokenized' }>, opts: TokenizeOptions): number | undefined {
  return record.label === undefined ? undefined : classIndex(record.label, opts);
}

/**
 * The length tokenizeRecord gives a record, computed more cheaply for chats: one render and one encode
 * instead of one per turn, when the template ends every assistant turn with an EOS (else the full path).
 */
export function sequenceLength(record: DataRecord, tok: Tokenizer, fields: FieldMap = DEFAULT_FIELDS): number {
  if (record.shape === 'prompt_completion') return promptCompletionLength(record, tok, fields);
  if (record.shape !== 'chat') return tokenizeRecord(withoutClass(record), tok, { fields }).length;
  const names = namesOf(record, fields);
  const rendered = renderRecordChat(tok, record, names);
  const ids = tok.encode(rendered);
  const turns = record.messages.filter((m) => m.role === 'assistant').length;
  let eosCount = 0;
  for (const id of ids) if (id === tok.eosId) eosCount++;
  if (eosCount !== turns) return tokenizeRecord(record, tok, { fields }).length;
  // refused as tokenizeRecord refuses it (a "€" the tokenizer has no token for was kept by prepare, refused by training)
  if (chatMayHoldSpecial(record, rendered, ids, tok)) checkChatTexts(record.messages, chatGiven(record), tok, names);
  return ids.length;
}

/**
 * Whether a chat's fields may hold a special token's text, or characters the tokenizer encodes as one ("<unk>"), which
 * checkChatTexts refuses, judged from the whole chat's tokens without encoding each field: a special token among `ids`
 * more often than `rendered` writes its text, or whose text a turn's content holds; a chat with speakers' names, tool
 * parts, template variables or a content that `rendered` does not hold as it is is always checked.
 */
function chatMayHoldSpecial(record: Extract<DataRecord, { shape: 'chat' }>, rendered: string, ids: readonly number[], tok: Tokenizer): boolean {
  if (record.tools !== undefined || record.chatTemplateKwargs !== undefined) return true;
  // a speaker's name is checked whether the template renders it or not (Mistral's leaves it out): encoded on its own
  if (record.messages.some((m) => m.name !== undefined || m.tool_calls !== undefined || m.tool_call_id !== undefined)) return true;
  // a content the template leaves out (Mistral v0.3's system message, in a chat ending with an assistant turn) or
  // changes (trims) is not in the chat's tokens: encoded on its own
  if (record.messages.some((m) => !rendered.includes(m.content))) return true;
  const special = specialTokenIds(tok), counts = new Map<number, number>();
  for (const id of ids) if (special.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
  let texts = specialTexts.get(tok);
  if (texts === undefined) specialTexts.set(tok, texts = new Map());
  for (const [id, n] of counts) {
    let text = texts.get(id);
    if (text === undefined) texts.set(id, text = specialTokenText(tok, id));
    if (occurrences(rendered, text) < n) return true;
    if (record.messages.some((m) => m.content.includes(text))) return true;
  }
  return false;
}

/** Each tokenizer's special tokens' texts, by id, as chatMayHoldSpecial finds them (a decode and two encodes each). */
const specialTexts = new WeakMap<Tokenizer, Map<number, string>>();

/** How many times `text` (not empty) occurs in `s`, not overlapping. */
function occurrences(s: string, text: string): number {
  if (text === '') return 0;
  let n = 0;
  for (let at = s.indexOf(text); at >= 0; at = s.indexOf(text, at + text.length)) n++;
  return n;
}

/**
 * The length of a prompt and completion: BOS + their joined text's tokens + EOS, one encode where tokenizeRecord has two
 * (the prompt alone, for the mask) and builds the row. A joined text with a special token (a character the tokenizer has
 * no token for, "<unk>") takes tokenizeRecord's path, for its error naming the field.
 */
function promptCompletionLength(record: Extract<DataRecord, { shape: 'prompt_completion' }>, tok: Tokenizer, fields: FieldMap): number {
  const joined = tok.encode(record.prompt + record.completion);
  if (firstSpecial(tok, joined) !== undefined) return tokenizeRecord(record, tok, { fields }).length;
  eos(tok);
  return leadingIds(tok).length + joined.length + 1;
}

/**
 * True when the record cut to its first `maxLen` tokens has no target left (fully masked: the prompt fills them), so
 * that loading at that length with trainOn 'assistant' (the default) drops it (a pre-tokenized row too, its targets past
 * the cut); never for a classification record, which has no targets.
 */
export function fullyMaskedWithin(record: DataRecord, tok: Tokenizer, maxLen: number, fields: FieldMap = DEFAULT_FIELDS): boolean {
  // (not cut to maxLen to learn that: a maxLen with no room for its text beside its special ids is refused by the cut)
  if (record.shape === 'classification') return false;
  if (record.shape === 'chat' && firstTurnTrainsWithin(record, tok, maxLen, namesOf(record, fields))) return false;
  const r = tokenizeRecord(withoutClass(record), tok, { maxSeqLen: maxLen, overflow: 'truncate', fields });
  return r.row === null;
}

/**
 * True when the chat template's {% generation %} blocks mark none of this chat's tokens to train (a block in a branch
 * the chat does not take, or empty ones): TRL's assistant_only_loss trains nothing of it, and loading with trainOn
 * 'assistant' drops it, whatever its length; false for a template without blocks (every trained turn has tokens).
 */
export function blocksTrainNone(record: DataRecord, tok: Tokenizer, fields: FieldMap = DEFAULT_FIELDS): boolean {
  if (record.shape !== 'chat' || tok.followsGenerationBlocks?.(record.tools) !== true) return false;
  return fullyMaskedWithin(record, tok, Infinity, fields);
}

/**
 * True when a chat's first trained assistant turn has a target within its first `maxLen` tokens, found as chatSequence
 * finds it, from that turn alone: the whole row takes two renders and encodes per turn (a long chat of 40 turns, a
 * second), and prepare asks of every chat over --max-tokens. False where the turn has no target there, or more than one
 * EOS (tokenizeRecord's error): the whole row then says.
 */
function firstTurnTrainsWithin(record: Extract<DataRecord, { shape: 'chat' }>, tok: Tokenizer, maxLen: number, names: FieldNames): boolean {
  const given = chatGiven(record);
  const rendered = renderRecordChat(tok, record, names);
  const e = eos(tok);
  checkChatTexts(record.messages, given, tok, names);
  const turns = record.messages.flatMap((m, i) => (m.role === 'assistant' && m.weight !== 0 ? [i] : []));
  if (turns.length === 0) return false;
  if ((tok.generationMarkerProblem?.(record.tools) ?? null) !== null) return false; // the whole row says why
  const ids = tok.encode(rendered);
  const { spans, blocks } = turnSpans(record.messages, turns, given, rendered, ids, tok, names, true);
  const eosIn = ([start, end]: [number, number]) => ids.slice(start, end).flatMap((id, t) => (id === e ? [start + t] : []));
  if (blocks !== null) {
    // every block's tokens are trained (from position 1: a label at 0 is no target); a turn of more than one EOS is the row's error
    if (blocks === 'turns' && spans.some((span) => eosIn(span).length > 1)) return false;
    return spans.some(([start, end]) => Math.max(start, 1) < Math.min(end, maxLen));
  }
  const i = turns[0]!;
  const [start, end] = spans[0]!;
  const eosAt = eosIn([start, end]);
  if (eosAt.length > 1) return false;
  // trained: start … its EOS, or the turn's last token (the EOS added after the chat's last turn when it has none)
  const last = eosAt.length === 1 ? eosAt[0]! : i === record.messages.length - 1 ? end : end - 1;
  const first = Math.max(start, 1); // the target of position t is labels[t + 1]: a label at 0 is no target
  return first <= last && first < maxLen;
}

/** The record with its class label, if any, as index 0: its tokens are the same, and no class list is needed to build them. */
function withoutClass(record: DataRecord): DataRecord {
  return record.shape === 'classification' || (record.shape === 'pretokenized' && record.label !== undefined) ? { ...record, label: 0 } : record;
}

function finish(seq: Seq, label: number | undefined, opts: TokenizeOptions, keepUntrained = false): TokenizedRecord {
  const length = seq.ids.length;
  let overflow: TokenizedRecord['overflow'] = 'fits';
  let ids = seq.ids, labels = seq.labels;
  const max = opts.maxSeqLen;
  if (max !== undefined && length > max) {
    if ((opts.overflow ?? 'truncate') === 'drop') return { row: null, length, overflow: 'dropped' };
    ids = seq.around ? cutText(ids, seq.around, max) : ids.slice(0, max);
    labels = labels.slice(0, max);
    overflow = 'truncated';
  }
  if (label !== undefined) return { row: { inputIds: Int32Array.from(ids), label }, length, overflow };
  // a row given untrained is kept (keepUntrained); one the cut left untrained is dropped, pre-tokenized or not
  if (countTargets({ inputIds: ids, labels }) === 0 && (!keepUntrained || overflow === 'truncated')) return { row: null, length, overflow };
  return { row: { inputIds: Int32Array.from(ids), labels: Int32Array.from(labels) }, length, overflow };
}

function trainedExceptFirst(ids: readonly number[]): number[] {
  return ids.map((id, t) => (t === 0 ? IGNORE_INDEX : id));
}

/** What a sequence starts with: [BOS], or nothing for a tokenizer that adds none (its post-processor's ids: leadingIds). */
function bos(tok: Tokenizer): number[] {
  return [...leadingIds(tok)];
}

function eos(tok: Tokenizer): number {
  if (tok.eosId === null) throw new UserError('the tokenizer has no EOS token');
  return tok.eosId;
}

/**
 * The ids of the tokenizer's special tokens: its `specialIds` when it has them (LoadedTokenizer: special
 * added tokens, BOS/EOS/PAD/UNK), else BOS, EOS and PAD.
 */
export function specialTokenIds(tok: Tokenizer): ReadonlySet<number> {
  if (tok.specialIds) return tok.specialIds;
  return new Set([tok.bosId, tok.eosId, tok.padId].filter((id): id is number => id !== null));
}

/**
 * Encodes a field of user text (`field`: its name as an error says it, field-names.ts), which must not hold the text
 * of a special token: BOS/EOS would restart or end the sequence, and "<unk>" and the like would be trained as if they
 * were words.
 */
function encodeText(tok: Tokenizer, text: string, field: string): number[] {
  const ids = tok.encode(text);
  const special = firstSpecial(tok, ids);
  // a text without the token's text got it from the tokenizer: "<unk>" for characters it has no token for
  if (special !== undefined) {
    throw new UserError(text.includes(special) ? `${field} contains the text of a special token (${JSON.stringify(special)})`
      : `${field} holds text the tokenizer encodes as the special token ${JSON.stringify(special)} (characters it has no token for), which would be trained as if it were a word`);
  }
  return ids;
}

/**
 * The text of the first special token among `ids`, or undefined; with `writtenIn`, the first whose text it holds (not
 * the "<unk>" the tokenizer gives characters it has no token for).
 */
function firstSpecial(tok: Tokenizer, ids: readonly number[], writtenIn?: string): string | undefined {
  const special = specialTokenIds(tok);
  for (const id of ids) {
    if (!special.has(id)) continue;
    const token = specialTokenText(tok, id);
    if (writtenIn === undefined || writtenIn.includes(token)) return token;
  }
  return undefined;
}

/**
 * The chat encoded whole, with each assistant turn located by encoding the chat rendered up to it: the
 * turn's tokens are those after the common prefix with "chat so far + generation prompt" and within the
 * common prefix with "chat through this turn". A template may render a turn otherwise once the chat goes on —
 * Mistral v0.3's (Nemo's, Small's) puts the system message in the last user turn only, a reasoning template
 * drops the thinking of earlier turns — and then one of those renderings is not (all but its last token) a
 * prefix of the whole chat; the turn is then the tokens of the whole chat that its content changes
 * (changedSpan) and the EOS right after them. Encoding the whole string (not pieces) gives the tokens the
 * model sees at inference, including merges across a boundary. Messages holding the text of a special token
 * (or the tool definitions) are refused, as the other shapes' fields are. An assistant turn that calls tools is trained as any other (Mistral
 * v0.3's [TOOL_CALLS] […] and its EOS).
 */
function chatSequence(messages: readonly ChatTurn[], given: ChatGiven, rendered: string, tok: Tokenizer, trainAll: boolean, names: FieldNames): Seq {
  const e = eos(tok);
  checkChatTexts(messages, given, tok, names);
  const markerProblem = trainAll ? null : tok.generationMarkerProblem?.(given.tools) ?? null;
  if (markerProblem !== null) throw new UserError(markerProblem);
  const ids = tok.encode(rendered);
  // the turns trained: every assistant turn but those of weight 0 (all of them with trainOn 'all', for the EOS below)
  const turns = messages.flatMap((m, i) => (m.role === 'assistant' && (trainAll || m.weight !== 0) ? [i] : []));
  let { spans, blocks } = turnSpans(messages, turns, given, rendered, ids, tok, names, false, true, !trainAll);
  // with trainOn 'all' the turns only place the EOS after the last one: where the blocks mark none of it (the template
  // renders no block for this chat, or an empty last one), they are found as for a template without blocks
  const lastSpan = spans.at(-1);
  if (trainAll && blocks !== null && (lastSpan === undefined || lastSpan[1] <= lastSpan[0])) ({ spans, blocks } = turnSpans(messages, turns, given, rendered, ids, tok, names, false, false));
  const labels: number[] = trainAll ? trainedExceptFirst(ids) : new Array<number>(ids.length).fill(IGNORE_INDEX);
  const union = blocks === 'union';
  // From the last turn back, so that inserting an EOS does not move the spans still to do.
  for (let s = spans.length - 1; s >= 0; s--) {
    const [start, end] = spans[s]!;
    if (blocks !== null && end <= start) continue; // a block of no token trains none (TRL trains the other turns)
    const lastTurn = union ? s === spans.length - 1 && messages.at(-1)?.role === 'assistant' : turns[s] === messages.length - 1;
    let eosAt = -1, eosCount = 0;
    for (let t = start; t < end; t++) {
      if (ids[t] === e) {
        eosAt = t;
        eosCount++;
      }
    }
    // (a {% generation %} block holding two is trained whole, as TRL trains it)
    if (eosCount > 1 && blocks === null) throw new UserError(`${turnName(names, turns[s]!).turn}: the chat template writes more than one EOS in this assistant turn`);
    // what a template writes after its EOS (a newline) is not trained; a {% generation %} block is trained whole, as TRL
    // trains it, what it holds after an EOS too ("</s></A>")
    let last = eosCount === 1 && blocks === null ? eosAt : end - 1;
    if (eosCount === 0 && lastTurn && !(blocks && ids.slice(end).includes(e))) {
      // The template ends the chat without EOS: one, trained, after the last turn (as TRL ends a text with it; TRL adds
      // none to a chat). Earlier turns end with what the template writes, so their context is the one generation sees.
      // After a {% generation %} block, at the chat's end, what the template writes after the block trained with it
      // (the model must write it to reach the EOS), not inside the template's text.
      const at = blocks ? ids.length : end;
      ids.splice(at, 0, e);
      labels.splice(at, 0, e);
      last = at;
    }
    if (!trainAll) for (let t = start; t <= last; t++) labels[t] = ids[t]!;
  }
  return { ids, labels };
}

/** Refuses a chat whose messages, tools or template variables hold the text of a special token, as the other shapes' fields are. */
function checkChatTexts(messages: readonly ChatTurn[], given: ChatGiven, tok: Tokenizer, names: FieldNames): void {
  messages.forEach((m, i) => {
    const { turn, content } = turnName(names, i);
    encodeText(tok, m.content, content);
    if (m.name !== undefined) encodeText(tok, m.name, `${turn}.name`); // rendered where the template reads message.name
    if (m.tool_calls !== undefined) encodeText(tok, pythonJson(m.tool_calls), `${turn}.tool_calls`);
    if (m.tool_call_id !== undefined) encodeText(tok, callIdText(m.tool_call_id), `${turn}.tool_call_id`);
  });
  if (given.tools !== undefined) encodeText(tok, pythonJson(given.tools), '"tools"');
  // a variable restating the tokenizer's own special token ({"bos_token": "<s>"}) renders as without it
  if (given.chatTemplateKwargs) for (const k of kwargsToCheck(given.chatTemplateKwargs, `"${TEMPLATE_KWARGS_FIELD}"`, tok.templateTokens ?? {})) encodeText(tok, k.text, k.name);
}

/**
 * A chat record rendered whole with the chat template; refused where an assistant turn that calls tools has content
 * the template does not render beside the calls (Mistral v0.3's renders the calls only): it would be left out unseen.
 * The chat rendered with that content empty is compared, not the text searched for: a content ("Sure") that the chat
 * holds elsewhere (a user's turn) would be found there.
 */
function renderRecordChat(tok: Tokenizer, record: Extract<DataRecord, { shape: 'chat' }>, names: FieldNames): string {
  const given = chatGiven(record);
  const rendered = renderChat(tok, record.messages, given);
  const unsaid = callTextLeftOut(record.messages, rendered, (ms) => renderChat(tok, ms, given));
  if (unsaid >= 0) {
    throw new UserError(`${turnName(names, unsaid).content} is not rendered by the chat template beside the turn's tool calls (Mistral v0.3's renders the calls only): it would be left out unseen; drop it, or use a template that renders both`);
  }
  return rendered;
}

/** True when the chat has a system message whose text is nowhere in the chat as the template rendered it. */
function systemUnrendered(messages: readonly ChatTurn[], rendered: string): boolean {
  const system = messages[0]?.role === 'system' ? messages[0].content.trim() : '';
  return system !== '' && !rendered.includes(system);
}
