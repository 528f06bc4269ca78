// A chat template's {% generation %} … {% endgeneration %} blocks, which transformers' apply_chat_template(...,
// return_assistant_tokens_mask=True) reads as the assistant's output (TRL 1.13's assistant_only_loss trains exactly
// those characters' tokens): the template is rendered with a mark where each block (and each macro's body) opens and
// closes, and the marks give the blocks' character spans as transformers counts them, in the chat as rendered without
// the marks (tokenize.ts trains their tokens).

import { jinjaTags, type JinjaTag } from './jinja-tags.ts';

/** The characters a marked template writes where a block opens and closes, and where a macro's body opens and closes. */
export type GenerationMarks = { readonly open: string; readonly close: string; readonly macroOpen: string; readonly macroClose: string };

/** How many sets of marks generationMarks draws from: the noncharacters U+FDD0–U+FDEF, four a set. */
export const MARK_SETS = 8;

/**
 * The first set of marks (its index and characters) none of whose characters `plain`, the chat rendered without marks,
 * holds, so that a mark found in the marked rendering is one (a message may hold U+FDD0 as any text: a set it holds
 * none of marks that chat), or null where the chat holds a character of every set.
 */
export function generationMarks(plain: string): { set: number; marks: GenerationMarks } | null {
  for (let set = 0; set < MARK_SETS; set++) {
    const chars = [0, 1, 2, 3].map((k) => String.fromCharCode(0xfdd0 + 4 * set + k));
    if (chars.some((c) => plain.includes(c))) continue;
    const [open, close, macroOpen, macroClose] = chars as [string, string, string, string];
    return { set, marks: { open, close, macroOpen, macroClose } };
  }
  return null;
}

/** A generation tag's code (jinja-tags.ts: a tag jinja2 lexes as one, not text in a string literal or a comment). */
const GENERATION_CODE = /^\s*(end)?generation\s*$/;

/** True when the template has a {% generation %} block (a tag of it: `{{ '{% generation %}' }}` is text). */
export function hasGenerationBlocks(text: string): boolean {
  for (const tag of jinjaTags(text)) if (tag.open === '{%' && /^\s*generation\s*$/.test(tag.code)) return true;
  return false;
}

/** TRL 1.13's has_generation_markers: a `{% generation %}` anywhere in the text, in a comment or a string literal too. */
const TRL_MARKER = /\{%-?\s*generation\s*-?%\}/;

/**
 * The line of a `{% generation %}` that TRL takes for a block's marker where jinja2 sees no block — the template's only
 * ones are in a comment or a string literal —, or null (none, or a real block too). With such a template TRL keeps it
 * (no training template swapped in), transformers marks no token (an all-zero assistant mask) and SFTTrainer with
 * assistant_only_loss raises: "at least one example has no assistant tokens".
 */
export function textOnlyGenerationMarker(text: string): number | null {
  const marker = TRL_MARKER.exec(text);
  if (marker === null || hasGenerationBlocks(text)) return null;
  return text.slice(0, marker.index).split('\n').length;
}

/** A tag writing `mark` that keeps the whitespace control `left`/`right` of the tag it stands for (see below). */
function markTag(left: string, mark: string, right: string): string {
  return `{%${left} if true %}{{ '${mark}' }}{% endif ${right}%}`;
}

/**
 * The template with each generation tag writing its mark (`marks.open`, `marks.close`), and the body of each macro
 * holding one between `marks.macroOpen` and `marks.macroClose` (a macro without a block is left as it is: its output may be a value the template tests). A mark's tag is a block tag — `{% if true %}` and `{% endif %}` keep the whitespace control of the tag
 * it stands beside, a leading `-` and lstrip_blocks before it, a trailing `-` and trim_blocks after it —, so the text
 * around the marks is what the template renders without them. Only for a template whose blocks all stand where the
 * marks tell where transformers counts them from (generation-block-places.ts unfollowedBlock null: the caller has
 * checked it, so that the template is scanned once).
 */
export function markGenerationBlocks(text: string, marks: GenerationMarks): string {
  // each macro from its {% macro %} to its own {% endmacro %}, both real tags (one in a string literal or a comment is
  // text: `{{ '{% endmacro %}' }}` in a body ended it here, and the mark landed inside the string)
  const inserts: Array<{ at: number; cut: number; text: string }> = [];
  const open: JinjaTag[] = [];
  for (const tag of jinjaTags(text)) {
    if (tag.open !== '{%') continue;
    if (/^\s*macro\b/.test(tag.code)) open.push(tag);
    if (!/^\s*endmacro\s*$/.test(tag.code)) continue;
    const header = open.pop();
    if (header === undefined || !hasGenerationBlocks(text.slice(header.end, tag.start))) continue;
    // the header's right whitespace control and the end tag's left one go to the marks beside them
    inserts.push({ at: header.end - 2 - header.right.length, cut: header.right.length + 2, text: `%}${markTag('', marks.macroOpen, header.right)}` });
    inserts.push({ at: tag.start, cut: 2 + tag.left.length, text: `${markTag(tag.left, marks.macroClose, '')}{%` });
  }
  inserts.sort((x, y) => x.at - y.at);
  let macros = '';
  let at = 0;
  for (const insert of inserts) {
    macros += text.slice(at, insert.at) + insert.text;
    at = insert.at + insert.cut;
  }
  macros += text.slice(at);
  let out = '';
  let from = 0;
  for (const tag of jinjaTags(macros)) {
    const generation = tag.open === '{%' ? GENERATION_CODE.exec(tag.code) : null;
    if (!generation) continue;
    out += macros.slice(from, tag.start) + markTag(tag.left, generation[1] ? marks.close : marks.open, tag.right);
    from = tag.end;
  }
  return out + macros.slice(from);
}

/**
 * The [start, end) character spans of the generation blocks in `marked` (the marked template's rendering) as
 * transformers' AssistantTracker records them, in the order their blocks end (an inner block before the one around
 * it), positions counted in the text without the marks (`marks`, which the chat holds none of: generationMarks), which
 * must be `plain` (else null: a `| trim` cut some of a macro's output). A block's span is as long as its text but starts where the output of the outermost block or macro call
 * holding it starts (jinja2 writes their output only once they end: the tracker counts what was written before), so
 * a block inside a macro spans the text from the macro call's start, and one inside another block from that block's.
 */
export function generationSpans(marked: string, plain: string, marks: GenerationMarks): Array<[number, number]> | null {
  const spans: Array<[number, number]> = [];
  const open: Array<{ mark: string; at: number }> = [];
  let text = '';
  let from = 0;
  for (let i = 0; i < marked.length; i++) {
    const c = marked[i]!;
    if (c !== marks.open && c !== marks.close && c !== marks.macroOpen && c !== marks.macroClose) continue;
    text += marked.slice(from, i);
    from = i + 1;
    if (c === marks.open || c === marks.macroOpen) {
      open.push({ mark: c, at: text.length });
      continue;
    }
    const top = open.pop();
    if (top === undefined || top.mark !== (c === marks.close ? marks.open : marks.macroOpen)) return null;
    if (c === marks.close) {
      const start = (open[0] ?? top).at;
      spans.push([start, start + text.length - top.at]);
    }
  }
  text += marked.slice(from);
  return text === plain && open.length === 0 ? spans : null;
}
