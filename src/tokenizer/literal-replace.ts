// A Replace step's content (normalizer, pre-tokenizer or decoder) is literal in HF tokenizers (its Rust puts the
// content's characters in place of each match), while @huggingface/tokenizers hands it to JavaScript's replaceAll, which
// reads "$&", "$1", "$<name>", "$`" and "$'" as the match, a group, or the text before or after it: a content such as
// "$&$&" encoded "xay" as "xaay" where HF gives "x$&$&y". The library gets the content with each "$" written "$$"
// (replaceAll's literal dollar); the fast engine replaces with a function, which takes its result literally.

/** `json` (tokenizer.json's object) with every Replace step's content escaped for JavaScript's replaceAll; a copy. */
export function literalReplaceContents(json: Record<string, unknown>): Record<string, unknown> {
  const out = { ...json };
  for (const key of ['normalizer', 'pre_tokenizer', 'decoder']) if (key in out) out[key] = escapeSteps(out[key]);
  return out;
}

function escapeSteps(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(escapeSteps);
  if (typeof v !== 'object' || v === null) return v;
  const step: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) step[k] = escapeSteps(x);
  if (step['type'] === 'Replace' && typeof step['content'] === 'string') step['content'] = step['content'].split('$').join('$$');
  return step;
}
