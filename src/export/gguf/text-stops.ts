// The tokens llama.cpp ends generation at by their text alone, whatever a GGUF's keys and token types say: its
// vocabulary loader (llama_vocab::impl::load, "auto-detect special tokens by text" and "maintain a list of tokens that
// cause end-of-generation", src/llama-vocab.cpp of the llama.cpp node-llama-cpp 3.21.1 bundles) puts each token of
// END_TEXTS, and the first of each FIM_END_GROUPS group it finds, among the end-of-generation tokens and makes it a
// control token; the first of each FIM_CONTROL_GROUPS group (FIM prefix, suffix, middle) it makes control alone. A
// vocabulary holding one that generate does not stop at (a ChatML "<|im_end|>" added for training, a "[PAD]" pad token)
// stops there in llama.cpp where transformers runs on; one that is not special in the tokenizer is, there, not matched
// in text without parse_special and not shown by a detokenize without special. Warned of: the file
// cannot say otherwise (measured with node-llama-cpp 3.21.1: test/export/gguf-llama-tokenizer.test.ts).
import { boundedItemsText } from '../../util/bounded-json.ts';
import { warn } from '../../util/log.ts';
import { TOKEN_TYPE } from './tokenizer-table.ts';

/** The texts llama.cpp's loader always makes end-of-generation tokens. */
export const END_TEXTS: ReadonlySet<string> = new Set([
  '<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>', '<end_of_turn>', '<|endoftext|>',
  '</s>', '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>', '<end_of_utterance>', '<eos>', '<turn|>',
  '<|tool_response>', '<\uff5cend\u2581of\u2581sentence\uff5c>', '[e~[',
]);

/** The fill-in-the-middle pad, repository and file-separator texts: the first of each group found ends generation too. */
export const FIM_END_GROUPS: ReadonlyArray<readonly string[]> = [
  ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]'],
  ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>'],
  ['<|file_sep|>'],
];

/**
 * The fill-in-the-middle prefix, suffix and middle texts ("auto-detect special tokens by text"): the first of each group
 * found is made a control token too, without ending generation.
 */
export const FIM_CONTROL_GROUPS: ReadonlyArray<readonly string[]> = [
  ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<\uff5cfim\u2581begin\uff5c>', '<PRE>', '\u2581<PRE>', '<|code_prefix|>', '<|prefix|>'],
  ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<\uff5cfim\u2581hole\uff5c>', '<SUF>', '\u2581<SUF>', '<|code_suffix|>', '<|suffix|>'],
  ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<\uff5cfim\u2581end\uff5c>', '<MID>', '\u2581<MID>', '<|code_middle|>', '<|middle|>'],
];

const FIM_END_TEXTS = new Set(FIM_END_GROUPS.flat());
const FIM_CONTROL_TEXTS = new Set(FIM_CONTROL_GROUPS.flat());

/**
 * llama.cpp's workarounds that take a token back out of its end-of-generation tokens after the rules above (and after
 * adding the EOS id, so an EOS is taken out too): where the vocabulary holds a text of each `when` group (all of them
 * end generation by their text), the `removed` text no longer ends generation and gets the type `becomes` ("<|end|>"
 * beside o200k_harmony's "<|return|>" and "<|call|>" or solar-open's "<|calls|>" and "<|flush|>"; "</s>" beside gemma4's
 * "<|tool_response>", a token a vocabulary may gain for tool-calling training). Read in llama-vocab.cpp, measured with
 * node-llama-cpp 3.21.1 (test/export/gguf-llama-tokenizer.test.ts).
 */
export const EOG_REMOVALS: ReadonlyArray<{ when: ReadonlyArray<readonly string[]>; removed: string; becomes: 'userDefined' | 'normal' }> = [
  { when: [['<|return|>'], ['<|call|>', '<|calls|>']], removed: '<|end|>', becomes: 'userDefined' },
  { when: [['<|call|>', '<|calls|>'], ['<|flush|>']], removed: '<|end|>', becomes: 'userDefined' },
  { when: [['<|tool_response>']], removed: '</s>', becomes: 'normal' },
];

/** The ids of `tokens` llama.cpp takes back out of its end-of-generation tokens (EOG_REMOVALS), with the type it gives and why. */
function removedStops(tokens: readonly string[]): Map<number, { becomes: 'userDefined' | 'normal'; because: string }> {
  const idOf = new Map<string, number>();
  tokens.forEach((text, id) => idOf.set(text, id));
  const out = new Map<number, { becomes: 'userDefined' | 'normal'; because: string }>();
  for (const { when, removed, becomes } of EOG_REMOVALS) {
    const id = idOf.get(removed);
    const found = when.map((group) => group.find((text) => idOf.has(text)));
    if (id === undefined || out.has(id) || found.some((text) => text === undefined)) continue;
    out.set(id, { becomes, because: found.map((text) => `${JSON.stringify(text)} (id ${idOf.get(text!)})`).join(' and ') });
  }
  return out;
}

/**
 * The texts llama.cpp's loader takes its end-of-turn token from where the file names none (the first it meets, in its
 * hash map's order). node-llama-cpp's isEogToken stops at that token besides llama.cpp's end-of-generation list, so it
 * still stops at an EOG_REMOVALS token that is the end-of-turn one, where llama-cli and llama-server do not.
 */
export const EOT_TEXTS: ReadonlySet<string> = new Set([
  '<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>', '<EOT>', '_<EOT>', '[EOT]',
  '<\uff5cend\u2581of\u2581sentence\uff5c>', '<end_of_utterance>',
]);

/** Whether `id` is llama.cpp's end-of-turn token: the file's `eot` id, else the one token of EOT_TEXTS ('maybe': one of several). */
function endOfTurn(tokens: readonly string[], id: number, eot: number | null): boolean | 'maybe' {
  if (eot !== null) return eot === id;
  if (!EOT_TEXTS.has(tokens[id]!)) return false;
  return new Set(tokens.filter((text) => EOT_TEXTS.has(text))).size === 1 ? true : 'maybe';
}

const TYPE_SAYS = {
  userDefined: 'a user-defined token, matched in text without parse_special and shown by every detokenize',
  normal: 'a normal token, shown as text by every detokenize',
} as const;

/**
 * Warns of the tokens of `tokens` (the GGUF's token texts, `types` their TOKEN_TYPE) that llama.cpp ends generation at
 * by their text where generate does not (`stops`: the ids it stops at), does not end generation at where generate does
 * (EOG_REMOVALS; node-llama-cpp still does where it is the end-of-turn token, `eot` the file's id of it or null), or
 * makes control or another type where the file does not.
 */
export function warnTextStops(tokens: readonly string[], types: Int32Array, stops: readonly number[], file: string, eot: number | null = null): void {
  const stopping: string[] = [], madeControl: string[] = [], notStopping: string[] = [], retyped: string[] = [];
  const removed = removedStops(tokens);
  tokens.forEach((text, id) => {
    const taken = removed.get(id);
    if (taken !== undefined) {
      const said = `${JSON.stringify(text)} (id ${id})`;
      const turn = endOfTurn(tokens, id, eot);
      const node = turn === false ? '' : ` (in llama-cli and llama-server; node-llama-cpp does, as it also stops at llama.cpp's end-of-turn token${turn === 'maybe' ? ', if llama.cpp finds it first of its kind' : ''})`;
      if (stops.includes(id)) notStopping.push(`${said}, as the vocabulary also holds ${taken.because}${node}`);
      else if (turn !== false) stopping.push(`${said} in node-llama-cpp alone, as llama.cpp's end-of-turn token${turn === 'maybe' ? ' if it finds it first of its kind' : ''} (llama-cli and llama-server do not, as the vocabulary also holds ${taken.because})`);
      if (types[id] !== TOKEN_TYPE[taken.becomes]) retyped.push(`${said} ${TYPE_SAYS[taken.becomes]}`);
      return;
    }
    const ends = END_TEXTS.has(text) || FIM_END_TEXTS.has(text);
    if (!ends && !FIM_CONTROL_TEXTS.has(text)) return;
    // of a FIM group only the first llama.cpp meets (in its hash map's order) is taken
    const what = `${JSON.stringify(text)} (id ${id})${END_TEXTS.has(text) ? '' : ', if llama.cpp finds it first of its kind'}`;
    if (ends && !stops.includes(id)) stopping.push(what);
    if (types[id] !== TOKEN_TYPE.control) madeControl.push(what);
  });
  if (stopping.length + madeControl.length + notStopping.length + retyped.length === 0) return;
  const says: string[] = [];
  const generateStops = stops.length === 0 ? 'stop at no token (no EOS id)' : `stop only at id${stops.length === 1 ? '' : 's'} ${boundedItemsText(stops)}`;
  if (stopping.length > 0) says.push(`ends generation at ${stopping.join('; ')}, where generate and transformers ${generateStops}`);
  if (notStopping.length > 0) says.push(`does not end generation at ${notStopping.join('; ')}, where generate and transformers stop there`);
  if (madeControl.length > 0) says.push(`makes ${madeControl.join('; ')} a control token, which this tokenizer does not make special: without parse_special llama.cpp does not match its text, and without special it does not show it`);
  if (retyped.length > 0) says.push(`makes ${retyped.join('; ')}`);
  warn(`gguf: llama.cpp knows some tokens by their text alone, whatever the file says: it ${says.join('; and it ')} (${file})`);
}
