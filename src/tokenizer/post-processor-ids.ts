// The special ids tokenizer.json's post-processor puts before and after a single text, as HF tokenizers 0.23 (the
// library of transformers 5.17) puts them. Its process_encodings passes a list of encodings from one post-processor to
// the next: the text is one; a TemplateProcessing gives one per piece of its template ("<s> $A" gives two, <s> and the
// text), and reads one encoding with its `single` template, two with its `pair` template ($A the first, $B the second),
// and more not at all (it panics, "not yet implemented"); BertProcessing and RobertaProcessing wrap each encoding (the
// first cls … sep; each later one … sep, Roberta's sep … sep); ByteLevel adds nothing. The encodings are joined at the end.
// So a Sequence of two "<s> $A" templates gives [1, …] (the second reads <s> and the text with its pair template
// "$A $B"), not [1, 1, …], and one whose first template is "<s> $A </s>" fails in transformers at the first encode.
import { isRecord } from '../util/json-file.ts';

/** An encoding on its way through the post-processors: the text, and special tokens' ids, in order. */
type Encoding = Array<'text' | number>;

/** What a post-processor puts around a text, or why HF tokenizers fails on it (`at`: the key path of the step, from post_processor). */
export type SpecialIdsAround = { before: number[]; after: number[] } | { refused: string; at: string };

/** The ids `post` (tokenizer.json's post_processor) puts before and after a single text, as HF tokenizers does. */
export function specialIdsAround(post: Record<string, unknown>): SpecialIdsAround {
  const result = processed(post, [['text']], 'post_processor');
  if ('refused' in result) return result;
  const joined = result.flat();
  const text = joined.indexOf('text');
  if (text < 0) {
    return { refused: 'drops the text: no template it runs holds $A (HF\'s tokenizer(text) gives its special tokens alone); put {"Sequence": {"id": "A", "type_id": 0}} in the single template', at: 'post_processor' };
  }
  const ids = (from: number, to: number) => joined.slice(from, to).filter((x): x is number => x !== 'text');
  return { before: ids(0, text), after: ids(text + 1, joined.length) };
}

function processed(p: Record<string, unknown>, encodings: Encoding[], at: string): Encoding[] | { refused: string; at: string } {
  switch (p['type']) {
    case 'Sequence': {
      const list = Array.isArray(p['processors']) ? p['processors'] : [];
      let out: Encoding[] | { refused: string; at: string } = encodings;
      for (let i = 0; i < list.length && !('refused' in out); i++) {
        const q: unknown = list[i];
        if (isRecord(q)) out = processed(q, out, `${at}.processors[${i}]`);
      }
      return out;
    }
    case 'TemplateProcessing':
      return templateProcessed(p, encodings, at);
    case 'BertProcessing':
    case 'RobertaProcessing': {
      const idOf = (key: string): number[] => {
        const token = p[key]; // [content, id]
        return Array.isArray(token) && Number.isInteger(token[1]) ? [token[1] as number] : [];
      };
      const [cls, sep] = [idOf('cls'), idOf('sep')];
      return encodings.map((e, i) => (i === 0 ? [...cls, ...e, ...sep] : p['type'] === 'RobertaProcessing' ? [...sep, ...e, ...sep] : [...e, ...sep]));
    }
    default:
      return encodings; // ByteLevel: offsets only
  }
}

function templateProcessed(t: Record<string, unknown>, encodings: Encoding[], at: string): Encoding[] | { refused: string; at: string } {
  const n = encodings.length;
  if (n > 2) {
    return { refused: `gets ${n} encodings from the post-processors before it in the Sequence (a TemplateProcessing gives one per piece of its template), ` +
      'and HF tokenizers reads one (its single template) or two (its pair template): transformers fails on it at the first encode ("not yet implemented"); ' +
      'put the special tokens in one TemplateProcessing', at };
  }
  const which = n === 1 ? 'single' : 'pair';
  const template = Array.isArray(t[which]) ? t[which] : [];
  const out: Encoding[] = [];
  for (const [i, piece] of template.entries()) {
    const name = templateSpecialName(piece);
    if (name !== null) {
      out.push((templateSpecialIds(t, name) ?? []).filter((x): x is number => Number.isInteger(x)));
      continue;
    }
    const sequence = isRecord(piece) && isRecord(piece['Sequence']) ? piece['Sequence']['id'] : undefined;
    const e = encodings[sequence === 'B' ? 1 : 0];
    if (e === undefined) {
      return { refused: `has $B in its ${which} template, which reads ${n === 1 ? 'one encoding' : 'two'} here: HF tokenizers fails on it at the first encode`, at: `${at}.${which}[${i}]` };
    }
    out.push([...e]);
  }
  return out;
}

/** The name of a TemplateProcessing piece's special token ({"SpecialToken": {"id": NAME}}), or null for a sequence ($A). */
export function templateSpecialName(piece: unknown): string | null {
  const special = isRecord(piece) ? piece['SpecialToken'] : undefined;
  const id = isRecord(special) ? special['id'] : undefined;
  return typeof id === 'string' ? id : null;
}

/** The ids TemplateProcessing `t`'s special_tokens lists for its special token `name`, or null where it lists none. */
export function templateSpecialIds(t: Record<string, unknown>, name: string): unknown[] | null {
  const specials = isRecord(t['special_tokens']) ? t['special_tokens'] : {};
  const entry = specials[name];
  return isRecord(entry) && Array.isArray(entry['ids']) ? entry['ids'] : null;
}
