// A chat template's {% generation %} … {% endgeneration %} blocks, which transformers' apply_chat_template(...,
// return_assistant_tokens_mask=True) reads as the assistant's output (TRL 1.13's assistant_only_loss trains exactly
// those characters' tokens): the template is rendered with a mark where each block opens and closes, and the marks
// give the blocks' character spans in the chat as rendered without them (tokenize.ts trains their tokens).

const OPEN = '\uFDD0';
const CLOSE = '\uFDD1';
const TAG = /{%(-?)\s*(end)?generation\s*(-?)%}/g;

/** True when the template has a {% generation %} block. */
export function hasGenerationBlocks(text: string): boolean {
  return /{%-?\s*generation\s*-?%}/.test(text);
}

/**
 * The template with each generation tag writing its mark (OPEN, CLOSE). The tag stays a block tag — `{% if true %}`
 * and `{% endif %}` keep its whitespace control, a leading `-` and lstrip_blocks before it, a trailing `-` and
 * trim_blocks after it —, so the text around the marks is what the template renders without them.
 */
export function markGenerationBlocks(text: string): string {
  return text.replace(TAG, (_, left: string, end: string | undefined, right: string) => `{%${left} if true %}{{ '${end ? CLOSE : OPEN}' }}{% endif ${right}%}`);
}

/**
 * The [start, end) character spans of the generation blocks in `marked` (the marked template's rendering), in the
 * order their blocks end (transformers' order: an inner block before the one around it), positions counted in the
 * text without the marks, which must be `plain` (else null: a message holds a mark's character).
 */
export function generationSpans(marked: string, plain: string): Array<[number, number]> | null {
  const spans: Array<[number, number]> = [];
  const open: number[] = [];
  let text = '';
  let from = 0;
  for (let i = 0; i < marked.length; i++) {
    const c = marked[i];
    if (c !== OPEN && c !== CLOSE) continue;
    text += marked.slice(from, i);
    from = i + 1;
    if (c === OPEN) open.push(text.length);
    else if (open.length > 0) spans.push([open.pop()!, text.length]);
    else return null;
  }
  text += marked.slice(from);
  return text === plain && open.length === 0 ? spans : null;
}
