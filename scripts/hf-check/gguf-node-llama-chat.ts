// Which chat wrapper node-llama-cpp's LlamaChatSession uses for a GGUF we export (resolveChatWrapper: from the file's
// tokenizer.chat_template, general.name, general.architecture), and whether the prompt it evaluates for a 3-turn chat
// (system, user, assistant, user) has the token ids our chat template gives (encodePrompt, as generate and training
// render it; the same ids llama.cpp's own chat rendering gives: gguf-chat-template.ts). The session's prompt is read
// as the tokens given to its context sequence's evaluate calls (a generated token is evaluated inside them). Then the
// other wrappers a user could pick (or the file's metadata would, without Jinja: resolveChatWrapper's noJinja) render
// the same chat, tokenized as LlamaChat tokenizes a context (LlamaText.tokenize).
// Cases: the bundled model (models/mistral-tune-tiny: no template of its own, so the built-in Mistral v0.1-style one);
// a copy with a Mistral v0.3-style template (Mistral-7B-Instruct-v0.3's tokenizer_config.json, the tool branches left
// out; [INST] plain text in this vocabulary); a random model whose tokenizer has [INST] and [/INST] as control
// tokens, as v0.3's has, with the same template; and a random model with the byte-level Tekken fixture tokenizer and
// Mistral Nemo's template (llama.cpp's models/templates). Last, the way round: the prompt rendered by our template,
// tokenized whole by the file's tokenizer (model.tokenize(text, true)) and evaluated by LlamaCompletion.
// Not part of the product. From the project root (LLAMA: a llama.cpp tree, e.g. node-llama-cpp's bundle cloned):
//   node --import tsx scripts/hf-check/gguf-node-llama-chat.ts LLAMA OUT_DIR
// Output of a run: gguf-node-llama-chat.txt beside this file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type ChatHistoryItem, type ChatWrapper, getLlama, GeneralChatWrapper, LlamaChatSession, LlamaCompletion, Llama2ChatWrapper, LlamaLogLevel, MistralChatWrapper,
  type LlamaContextSequence, resolveChatWrapper,
} from 'node-llama-cpp';
import { createBackend } from '../../src/backend/select.ts';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { encodePrompt } from '../../src/tokenizer/prompt.ts';
import type { ChatMessage } from '../../src/tokenizer/types.ts';
import { config } from '../../test/export/gguf-models.ts';
import { MISTRAL_V03_NO_TOOLS_TEMPLATE as MISTRAL_V03_TEMPLATE } from '../../test/tokenizer/mistral-v03-template.ts';

const [llamaTree, outArg] = process.argv.slice(2);
if (llamaTree === undefined || outArg === undefined) {
  console.error('usage: gguf-node-llama-chat.ts LLAMA OUT_DIR');
  process.exit(2);
}
const out = path.resolve(outArg);
fs.mkdirSync(out, { recursive: true });
const TINY = path.resolve('models', 'mistral-tune-tiny');

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Hi there' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'What is 2+2?' },
];
const history: ChatHistoryItem[] = [
  { type: 'system', text: 'You are terse.' },
  { type: 'user', text: 'Hi there' },
  { type: 'model', response: ['Hello.'] },
];

/** `folder`'s files but tokenizer_config.json's chat_template `template`, in OUT_DIR/`name`. */
function withTemplate(name: string, folder: string, template: string): string {
  const dir = path.join(out, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(folder)) if (f !== 'recipe') fs.copyFileSync(path.join(folder, f), path.join(dir, f));
  const file = path.join(dir, 'tokenizer_config.json');
  const tc = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> : {};
  fs.writeFileSync(file, JSON.stringify({ ...tc, chat_template: template }));
  return dir;
}

/** A random 2-layer model of `vocabSize` rows in OUT_DIR/`name`, with `tokenizer` (a tokenizer.json) and `tokenizerDir`'s tokenizer_config.json. */
function randomModel(name: string, vocabSize: number, tokenizer: unknown, tokenizerDir: string): string {
  const dir = path.join(out, name);
  fs.rmSync(dir, { recursive: true, force: true });
  saveModelFolder(createRandomModel(createBackend('cpu'), config({ vocabSize }), { seed: 7, std: 0.1, normStd: 0.1 }), dir, { sourceDir: null, head: 'causal' });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.copyFileSync(path.join(tokenizerDir, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
  return dir;
}

/** The bundled tokenizer with [INST] 32000 and [/INST] 32001 added as control tokens, on a random model. */
function v03ControlTokens(): string {
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const added = (id: number, content: string): unknown => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  json.added_tokens.push(added(32000, '[INST]'), added(32001, '[/INST]'));
  return withTemplate('v03-control', randomModel('v03-control-base', 32002, json, BUNDLED_TOKENIZER_DIR), MISTRAL_V03_TEMPLATE);
}

/** The Tekken fixture tokenizer (byte-level BPE, [INST] 3 and [/INST] 4 control tokens) on a random model, Nemo's template. */
function nemoTekken(): string {
  const tekken = path.resolve('test', 'fixtures', 'tekken-tiny');
  const json = JSON.parse(fs.readFileSync(path.join(tekken, 'tokenizer.json'), 'utf8')) as unknown;
  const template = fs.readFileSync(path.join(llamaTree!, 'models', 'templates', 'mistralai-Mistral-Nemo-Instruct-2407.jinja'), 'utf8');
  return withTemplate('nemo-tekken', randomModel('nemo-tekken-base', 896, json, tekken), template);
}

/** The tokens given to `sequence`'s evaluate calls from now on, in order (on a fresh sequence: the prompt). */
function inputsOf(sequence: LlamaContextSequence): number[] {
  const seen: number[] = [];
  const s = sequence as unknown as Record<'evaluate' | 'evaluateWithoutGeneratingNewTokens', (tokens: number[], ...rest: unknown[]) => unknown>;
  for (const name of ['evaluate', 'evaluateWithoutGeneratingNewTokens'] as const) {
    const original = s[name].bind(sequence);
    s[name] = (tokens, ...rest) => {
      seen.push(...tokens);
      return original(tokens, ...rest);
    };
  }
  return seen;
}

const cases = [
  { name: 'bundled (built-in v0.1-style template)', folder: TINY },
  { name: 'v0.3-style template, [INST] plain text', folder: withTemplate('v03-text', TINY, MISTRAL_V03_TEMPLATE) },
  { name: 'v0.3-style template, [INST] [/INST] control tokens', folder: v03ControlTokens() },
  { name: 'Mistral Nemo template, byte-level Tekken fixture tokenizer', folder: nemoTekken() },
];

const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
let differ = 0;
for (const [i, c] of cases.entries()) {
  const file = path.join(out, `case${i}.gguf`);
  fs.rmSync(file, { force: true }); // ours, from a run before
  exportGgufFile({ model: c.folder, out: file, quant: 'f32' });
  const tokenizer = loadTokenizer(c.folder);
  const ours = encodePrompt(tokenizer, { messages });
  const model = await llama.loadModel({ modelPath: file });
  const llamaContext = await model.createContext({ contextSize: 256, threads: 1, sequences: 2 });
  const sequence = llamaContext.getSequence();
  const session = new LlamaChatSession({ contextSequence: sequence });
  session.setChatHistory(history);
  const evaluated = inputsOf(sequence);
  await session.prompt('What is 2+2?', { maxTokens: 1 });
  const show = (ids: readonly number[]): string => JSON.stringify(model.detokenize(ids as never, true));
  const meta = model.fileInfo.metadata.general;
  console.log(`== ${c.name}: general.name ${JSON.stringify(meta.name)}, architecture ${meta.architecture}`);
  console.log(`ours (encodePrompt)   ${ours.join(',')}`);
  console.log(`                      ${show(ours)}`);
  const report = (label: string, ids: readonly number[]): void => {
    const same = ids.length === ours.length && ids.every((t, k) => t === ours[k]);
    let at = 0;
    while (at < ids.length && ids[at] === ours[at]) at++;
    console.log(`${label}: ${same ? 'SAME ids' : `DIFFERENT ids from position ${at}`}`);
    if (!same) console.log(`  ${ids.join(',')}\n  ${show(ids)}`);
    if (!same && label.startsWith('LlamaChatSession')) differ++;
  };
  report(`LlamaChatSession, resolved wrapper ${session.chatWrapper.wrapperName} (${session.chatWrapper.constructor.name})`, evaluated);
  const noJinja = resolveChatWrapper({ fileInfo: model.fileInfo, bosString: model.tokens.bosString, tokenizer: model.tokenizer, noJinja: true, warningLogs: false });
  const others: Array<[string, ChatWrapper | null]> = [
    ['resolveChatWrapper with noJinja', noJinja],
    ['MistralChatWrapper()', new MistralChatWrapper()],
    ['MistralChatWrapper({addSpaceBeforeEos: true})', new MistralChatWrapper({ addSpaceBeforeEos: true })],
    ['Llama2ChatWrapper()', new Llama2ChatWrapper()],
    ['GeneralChatWrapper()', new GeneralChatWrapper()],
  ];
  for (const [label, w] of others) {
    if (w === null) continue;
    const state = w.generateContextState({ chatHistory: [...history, { type: 'user', text: 'What is 2+2?' }, { type: 'model', response: [] }] });
    report(`${label} → ${w.wrapperName}`, state.contextText.tokenize(model.tokenizer));
  }
  // the way round: our template's text tokenized whole and evaluated by LlamaCompletion, less the BOS the template
  // wrote, which LlamaCompletion puts first itself
  const whole = model.tokenize(tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }), true);
  const completionSequence = llamaContext.getSequence();
  const completed = inputsOf(completionSequence);
  await new LlamaCompletion({ contextSequence: completionSequence }).generateCompletion(whole[0] === model.tokens.bos ? whole.slice(1) : whole, { maxTokens: 1 });
  report('our template\'s text tokenized whole (model.tokenize(text, true), less its BOS), evaluated by LlamaCompletion', completed);
  await llamaContext.dispose();
  await model.dispose();
}
console.log(`${differ} of ${cases.length} files: LlamaChatSession's prompt ids differ from our chat template's`);
