// generation_config.json's numbers in the kind transformers 5.17's logits processors take them. Python's json reads 2
// as an int and 2.0 (or 2e0) as a float, where JSON.parse reads both as 2; the processors check the kind when generate()
// builds them, and refuse the other (ValueError): repetition_penalty, temperature and sequence_bias's biases must be
// floats ("`penalty` has to be a strictly positive float, but is 2"), top_k, no_repeat_ngram_size, min_length,
// min_new_tokens and the ids of bad_words_ids and sequence_bias ints ("`top_k` has to be a strictly positive integer,
// but is 5.0"). Each is refused only where generate() applies it (repetition_penalty other than 1, top_k other than 0
// and temperature other than 1 when sampling, ...), as HF builds no processor otherwise. The spelling is read from the
// text (parseJsonNotingNumbers). Reference: test/fixtures/hf-generation-number-kinds/ (make_kinds.py, transformers 5.17).
import { numberSpelling } from '../data/ingest/number-spellings.ts';
import { UserError } from '../util/errors.ts';

/** Whether the number at `holder[key]` is a float to Python's json: a fraction or an exponent in its text. */
function spelledFloat(holder: object, key: string | number): boolean {
  const v = (holder as Record<string | number, unknown>)[key];
  return typeof v === 'number' && (!Number.isInteger(v) || /[.eE]/.test(numberSpelling(holder, key) ?? ''));
}

const spelled = (holder: object, key: string | number): string => numberSpelling(holder, key) ?? String((holder as Record<string | number, unknown>)[key]);

/** Why a number that must be a float is refused (`where` names it), or undefined where it is one (or no number). */
function intRefused(holder: object, key: string | number, where: string): string | undefined {
  if (typeof (holder as Record<string | number, unknown>)[key] !== 'number' || spelledFloat(holder, key)) return undefined;
  return `${where} ${spelled(holder, key)} is an integer, which transformers refuses there (it wants a float): write ${spelled(holder, key)}.0`;
}

/** Why a number that must be an int is refused, or undefined where it is one. */
function floatRefused(holder: object, key: string | number, where: string): string | undefined {
  if (!spelledFloat(holder, key)) return undefined;
  const v = (holder as Record<string | number, unknown>)[key] as number;
  return `${where} ${spelled(holder, key)} is a float, which transformers refuses there (it wants an integer)` + (Number.isInteger(v) ? `: write ${BigInt(v)}` : '');
}

/** The first id of `ids` (a list of id lists) spelled as a float, said naming its list (`listName`). */
function idListsRefused(ids: readonly (readonly number[])[], listName: (i: number) => string): string | undefined {
  for (const [i, list] of ids.entries()) {
    for (let j = 0; j < list.length; j++) {
      const why = floatRefused(list, j, `${listName(i)}'s id`);
      if (why !== undefined) return why;
    }
  }
  return undefined;
}

/** The keys whose kind is checked, as generation-config.ts names them to generationSettings. */
export type KindCheckedKey = 'repetition_penalty' | 'temperature' | 'top_k' | 'no_repeat_ngram_size' | 'min_length' | 'min_new_tokens' | 'bad_words_ids' | 'sequence_bias';

/**
 * For each key of `config` (a generation_config.json parsed by parseJsonNotingNumbers, or config.json's generation
 * keys taken as they are from `spelledIn`, the object so parsed) whose number transformers refuses for its kind: why
 * (the key's value is checked for what it is before this). Whether generate() applies it is generationSettings' to say.
 */
export function wrongNumberKinds(config: Record<string, unknown>, spelledIn: object = config): Partial<Record<KindCheckedKey, string>> {
  const out: Partial<Record<KindCheckedKey, string>> = {};
  const has = (key: string): boolean => typeof config[key] === 'number';
  for (const key of ['repetition_penalty', 'temperature'] as const) {
    const why = has(key) ? intRefused(spelledIn, key, key) : undefined;
    if (why !== undefined) out[key] = why;
  }
  for (const key of ['top_k', 'no_repeat_ngram_size', 'min_length', 'min_new_tokens'] as const) {
    const why = has(key) ? floatRefused(spelledIn, key, key) : undefined;
    if (why !== undefined) out[key] = why;
  }
  const bad = config.bad_words_ids;
  if (Array.isArray(bad)) {
    const why = idListsRefused(bad as number[][], (i) => `bad_words_ids list ${i}`);
    if (why !== undefined) out.bad_words_ids = why;
  }
  const bias = config.sequence_bias;
  if (Array.isArray(bias)) {
    const pairs = bias as [number[], number][];
    const why = idListsRefused(pairs.map(([ids]) => ids), (i) => `sequence_bias pair ${i}`)
      ?? pairs.map((pair, i) => intRefused(pair, 1, `sequence_bias pair ${i}'s bias`)).find((w) => w !== undefined);
    if (why !== undefined) out.sequence_bias = why;
  }
  return out;
}

/** The first of `wrong` (wrongNumberKinds) that generate applies (`applied`), refused in one line naming `file`, as generate() refuses it in transformers. */
export function refuseWrongKinds(wrong: Partial<Record<KindCheckedKey, string>> | undefined, applied: Record<KindCheckedKey, boolean>, file: string | null): void {
  const key = (Object.keys(applied) as KindCheckedKey[]).find((k) => applied[k] && wrong?.[k] !== undefined);
  if (key !== undefined) throw new UserError(`${wrong![key]!}; HF's generate() raises a ValueError for it`, file ?? undefined);
}
