// Chat templates: the model's Jinja chat_template (rendered with @huggingface/jinja, as transformers does),
// or the default Mistral [INST] template below. Bad chats and template errors are UserErrors.
//
// Default rendering (exact whitespace; S = system, Ui = user turns, Ai = assistant turns):
//   <s>[INST] S\n\nU1 [/INST] A1</s>[INST] U2 [/INST] A2</s>[INST] U3 [/INST]
// - one BOS at the start; each user turn is "[INST] " + content + " [/INST]";
// - each assistant turn is " " + content + EOS (one space after [/INST], none before the next [INST]);
// - a system message (only allowed first) is put before the first user turn's content, followed by a
//   blank line ("\n\n"); without one the first turn is "[INST] U1 [/INST]";
// - roles must alternate user/assistant after the optional system message, starting with user;
// - addGenerationPrompt adds nothing: a chat ending with a user turn already ends with " [/INST]", and
//   the model's answer starts with its own "▁" (space) token, as in training.
// A model's template gets each message with all its fields and the tools given, as transformers hands them (tool calls,
// tool results and tool definitions render only where the template reads them: tokenizer.ts checks that it does).
// A template is code from a model folder: rendering is bounded in time, output size and range() length,
// so a looping template is a one-line error naming its file instead of a command busy for minutes. The
// clock is checked between the interpreter's steps, which one step doing exponential work escapes, so a
// model's template renders on a worker thread (SyncWorker: capped heap, terminated at the deadline); the
// built-in default renders in-process.
import { Environment, type Template } from '@huggingface/jinja';
import { renderDefaultChat } from './default-chat.ts';
import { PythonInterpreter } from './jinja-python.ts';
import { strftime } from './jinja-strftime.ts';
import { pythonRange } from './jinja-globals.ts';
import { TemplateLimit, withRoom } from './jinja-room.ts';
import { parseJinja } from './jinja-test-arguments.ts';
import { generationMarks, generationSpans, hasGenerationBlocks, markGenerationBlocks, textOnlyGenerationMarker } from './generation-blocks.ts';
import { FOLLOWABLE_BLOCKS_WAY_OUT, followWorkProblem, unfollowedBlock } from './generation-block-places.ts';
import { inputValue, type Value } from './jinja-values.ts';
import { LITERAL_NAMES } from './template-kwargs.ts';
import { pythonJson } from '../data/python-numbers.ts';
import { UserError } from '../util/errors.ts';
import { SyncWorker } from '../util/sync-worker.ts';
import type { ChatMessage, ChatTemplateOptions, TemplateMessage } from './types.ts';

export const DEFAULT_CHAT_TEMPLATE = [
  "{%- if messages[0]['role'] == 'system' -%}",
  "{%- set system_message = messages[0]['content'] -%}",
  '{%- set loop_messages = messages[1:] -%}',
  '{%- else -%}',
  '{%- set system_message = none -%}',
  '{%- set loop_messages = messages -%}',
  '{%- endif -%}',
  '{{- bos_token -}}',
  '{%- for message in loop_messages -%}',
  "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}",
  "{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') -}}",
  '{%- endif -%}',
  "{%- if message['role'] == 'user' -%}",
  '{%- if loop.first and system_message is not none -%}',
  "{{- '[INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' -}}",
  '{%- else -%}',
  "{{- '[INST] ' + message['content'] + ' [/INST]' -}}",
  '{%- endif -%}',
  "{%- elif message['role'] == 'assistant' -%}",
  "{{- ' ' + message['content'] + eos_token -}}",
  '{%- else -%}',
  "{{- raise_exception('Only user and assistant roles are supported after an optional first system message') -}}",
  '{%- endif -%}',
  '{%- endfor -%}',
].join('');

/**
 * The special tokens a template sees as bos_token, eos_token, unk_token and pad_token; null or absent: the tokenizer has
 * none, and the name is undefined in the template, as transformers passes only the special tokens a tokenizer has.
 */
export interface ChatTemplateContext {
  bosToken: string | null;
  eosToken: string | null;
  unkToken?: string | null;
  padToken?: string | null;
  /** The other named special tokens transformers hands a template (sep_token, mask_token, image_token, …). */
  otherTokens?: Readonly<Record<string, string>>;
  /** Where the template comes from, for error messages ("…/tokenizer_config.json: chat_template"). */
  source: string;
  /** Bounds of one rendering (defaults: RENDER_LIMITS). */
  limits?: Partial<RenderLimits>;
}

export interface RenderLimits {
  /** Milliseconds one rendering may take (by the monotonic clock: not the wall clock, which may be set meanwhile). */
  ms: number;
  /** Characters of output beyond the messages' own text (the output may hold each message a few times). */
  extraChars: number;
  /** Items one range() call may produce. */
  rangeItems: number;
}

export const RENDER_LIMITS: RenderLimits = { ms: 2000, extraChars: 1 << 20, rangeItems: 100_000 };

/** The template worker's heap cap (MiB), and the time past `ms` before it is terminated (its own clock stops loops). */
const WORKER_HEAP_MB = 512;
const WORKER_GRACE_MS = 1000;

/** The interpreter (rendering as Python's jinja2 does), checking the clock and the size of every value it produces. */
class BoundedInterpreter extends PythonInterpreter {
  constructor(env: Environment, private readonly deadline: number, private readonly maxChars: number, private readonly ms: number) {
    super(env);
  }

  override evaluate(statement: unknown, environment: Environment): Value {
    // every call: one loop iteration of the library can cost microseconds without an evaluate of its own
    if (performance.now() > this.deadline) throw new TemplateLimit(`rendering took longer than ${this.ms} ms (a loop that does not end?)`);
    const value = super.evaluate(statement, environment);
    if (typeof value.value === 'string' && value.value.length > this.maxChars) {
      throw new TemplateLimit(`the output passed ${this.maxChars.toLocaleString('en')} characters`);
    }
    return value;
  }
}

/** The globals @huggingface/jinja's Template.render sets, with Python's strftime_now (range(): jinja-globals.ts). */
function globals(): Record<string, unknown> {
  return {
    false: false, true: true, none: null, False: false, True: true, None: null,
    raise_exception: (message: unknown) => {
      throw new Error(String(message));
    },
    // Python's datetime.now().strftime, English names whatever the machine's locale
    strftime_now: (format: string) => strftime(new Date(), format),
  };
}

/** What one rendering gives: the text, or why it stopped (a bound) or failed (the template's own error). */
type Outcome = { text: string } | { stopped: string } | { failed: string };

interface RenderRequest {
  messages: readonly TemplateMessage[];
  /** apply_chat_template's tools; none given: None. */
  tools?: readonly unknown[] | null;
  /** apply_chat_template's **kwargs: variables set last, over the special tokens and globals of the same name. */
  kwargs?: Readonly<Record<string, unknown>> | null;
  addGenerationPrompt: boolean;
  /** bos_token, eos_token, unk_token, pad_token: those the tokenizer has; the other named ones its config gives. */
  tokens: Record<string, string>;
  limits: RenderLimits;
}

/** One bounded rendering of a parsed template, in this thread. */
function renderOutcome(template: Template, req: RenderRequest): Outcome {
  const { limits } = req;
  const maxChars = 4 * givenChars(req) + limits.extraChars;
  try {
    const env = new Environment();
    const items = {
      ...globals(),
      documents: null, // as transformers' apply_chat_template: no documents
      ...req.tokens,
      add_generation_prompt: req.addGenerationPrompt,
    };
    for (const [key, value] of Object.entries(items)) env.set(key, value);
    // with Python's numbers (a float 1.0, an exact int past 2**53); the tools given or None, which `tools is not none` tests
    env.setVariable('messages', inputValue(req.messages) as never);
    env.setVariable('tools', inputValue(req.tools ?? null) as never);
    const tooMany = (n: number) => new TemplateLimit(`range() of ${n.toLocaleString('en')} items (at most ${limits.rangeItems.toLocaleString('en')})`);
    env.setVariable('range', pythonRange(limits.rangeItems, tooMany) as never);
    // transformers: {**special_tokens_map, **kwargs}, and a render variable shadows a jinja2 global of its name
    for (const [key, value] of Object.entries(req.kwargs ?? {})) if (!LITERAL_NAMES.has(key)) env.setVariable(key, inputValue(value) as never);
    // the monotonic clock: the wall clock set forward meanwhile (NTP, a machine woken from sleep) stopped a render at once
    const out = withRoom(maxChars, () => new BoundedInterpreter(env, performance.now() + limits.ms, maxChars, limits.ms).evaluate(template.parsed, env).value);
    if (typeof out !== 'string') throw new Error('the template did not render to text');
    if (out.length > maxChars) throw new TemplateLimit(`the output passed ${maxChars.toLocaleString('en')} characters`);
    return { text: out };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof TemplateLimit) return { stopped: message };
    // V8's two RangeErrors: a string past its longest (the output), or a stack too deep (a macro that calls itself)
    if (e instanceof RangeError) return { stopped: `${message} (${/call stack/i.test(message) ? 'a macro that calls itself without end?' : 'its output is too large'})` };
    return { failed: message };
  }
}

/** Characters of what a rendering may write again: each message's fields (a text's length, another value's JSON's), the tools' and the kwargs' JSON. */
function givenChars(req: RenderRequest): number {
  const chars = (v: unknown): number => {
    if (typeof v === 'string') return v.length;
    try {
      return pythonJson(v).length;
    } catch {
      return 0; // a value JSON cannot write (a BigInt a library user gave, a cycle): its text is the template's to fail on
    }
  };
  const fields = (m: unknown): unknown[] => (typeof m === 'object' && m !== null ? Object.values(m) : [m]);
  return req.messages.reduce((n, m) => n + fields(m).reduce((k: number, v) => k + chars(v), 0), chars(req.tools ?? null) + chars(req.kwargs ?? null));
}

/** A template parsed as jinja2 reads it: \r\n and \r are newlines (in text and string literals alike), tests take arguments. */
function parseTemplate(text: string): Template {
  return parseJinja(text.replace(/\r\n?/g, '\n'));
}

/** SyncWorker's handler (on the worker thread): parses `text` once, then renders each request. */
export function chatTemplateRenderer(text: string): (req: RenderRequest) => Outcome {
  const template = parseTemplate(text);
  return (req) => renderOutcome(template, req);
}

/** A compiled chat template; compile once per tokenizer (parsing is the slow part). */
export class ChatTemplate {
  readonly isDefault: boolean;
  private readonly template: Template;
  /** A model's template renders here (started on the first render, kept for the next). */
  private readonly worker: SyncWorker<RenderRequest, Outcome> | null;
  /** The special tokens the template is given by name (transformers' special_tokens_map: bos_token, eos_token, …). */
  readonly tokens: Readonly<Record<string, string>>;
  /** Renders that ran the Jinja interpreter (the default template's are mostly direct: default-chat.ts). */
  readonly stats = { interpreted: 0 };
  /** The template's text where it has {% generation %} blocks that the marks follow (generation-blocks.ts), else null. */
  private readonly blocksText: string | null;
  /** The template with its blocks marked, by the set of marks (generationMarks: one the chat holds none of); each compiled on first use. */
  private readonly marked = new Map<number, ChatTemplate>();
  /** The line of a {% generation %} that is only text (a comment, a string literal) in a template without blocks, or null. */
  private readonly textOnlyMarker: number | null;
  /** Where a {% generation %} block stands that the marks do not follow (generation-block-places.ts), or null. */
  private readonly unfollowed: string | null;

  constructor(
    text: string | null,
    private readonly ctx: ChatTemplateContext,
  ) {
    this.isDefault = text === null;
    const blocks = text !== null && hasGenerationBlocks(text);
    const tooMuch = blocks ? followWorkProblem(text) : null;
    if (tooMuch !== null) throw new UserError(tooMuch, ctx.source);
    this.unfollowed = blocks ? unfollowedBlock(text) : null;
    this.blocksText = blocks && this.unfollowed === null ? text : null;
    this.textOnlyMarker = text !== null && !blocks ? textOnlyGenerationMarker(text) : null;
    const named = { bos_token: ctx.bosToken, eos_token: ctx.eosToken, unk_token: ctx.unkToken, pad_token: ctx.padToken };
    this.tokens = { ...ctx.otherTokens, ...Object.fromEntries(Object.entries(named).filter((e): e is [string, string] => typeof e[1] === 'string')) };
    try {
      this.template = parseTemplate(text ?? DEFAULT_CHAT_TEMPLATE);
    } catch (e) {
      throw new UserError(`cannot parse the chat template: ${e instanceof Error ? e.message : String(e)}`, ctx.source);
    }
    this.worker = text === null ? null : new SyncWorker(new URL(import.meta.url), 'chatTemplateRenderer', text, { heapMb: WORKER_HEAP_MB, startMs: 60_000 });
  }

  /** Where the template is, for messages ("…/tokenizer_config.json: chat_template"). */
  get source(): string {
    return this.ctx.source;
  }

  /** The chat rendered, each message with all its own fields (the default template reads role and content). */
  render(messages: readonly TemplateMessage[], opts: ChatTemplateOptions = {}): string {
    if (this.isDefault) {
      checkDefaultChat(messages as readonly ChatMessage[]);
      const kwargs = opts.chatTemplateKwargs;
      const extraChars = this.ctx.limits?.extraChars ?? RENDER_LIMITS.extraChars;
      const direct = opts.tools == null && (kwargs == null || Object.keys(kwargs).length === 0) ? renderDefaultChat(messages, this.tokens, extraChars) : null;
      if (direct !== null) return direct;
    }
    this.stats.interpreted++;
    const req: RenderRequest = {
      messages,
      tools: opts.tools ?? null,
      kwargs: opts.chatTemplateKwargs ?? null,
      addGenerationPrompt: opts.addGenerationPrompt ?? false,
      tokens: this.tokens,
      limits: { ...RENDER_LIMITS, ...this.ctx.limits },
    };
    const outcome = this.worker ? this.renderOnWorker(this.worker, req) : renderOutcome(this.template, req);
    if ('text' in outcome) return outcome.text;
    if ('stopped' in outcome) throw new UserError(`chat template stopped: ${outcome.stopped}`, this.ctx.source);
    throw new UserError(`chat template failed: ${outcome.failed}`, this.ctx.source);
  }

  /**
   * Why the assistant's turns cannot be trained as TRL's assistant_only_loss trains them with this template: its only
   * {% generation %} is text (generation-blocks.ts textOnlyGenerationMarker), on which TRL raises, or a block stands
   * where the marks cannot tell which characters transformers marks (generation-block-places.ts unfollowedBlock), where
   * the turns found without the blocks would be another mask than TRL's; null otherwise.
   */
  get generationMarkerProblem(): string | null {
    if (this.unfollowed !== null) {
      return `${this.ctx.source}: the chat template's {% generation %} blocks cannot be followed as transformers marks them — ${this.unfollowed}: `
        + `TRL would train the characters counted from where that output was written, not the turns; ${FOLLOWABLE_BLOCKS_WAY_OUT}`;
    }
    if (this.textOnlyMarker === null) return null;
    return `${this.ctx.source}: the chat template's {% generation %} (line ${this.textOnlyMarker}) is inside a comment or a string literal and marks no block; `
      + 'TRL 1.13 takes it for one, gets no assistant token and raises ("at least one example has no assistant tokens"): make it a '
      + '{% generation %} … {% endgeneration %} block, remove it (the assistant turns are then found from the template), or train with train_on: all';
  }

  /** True where the template has {% generation %} blocks that generationSpans follows. */
  get followsGenerationBlocks(): boolean {
    return this.blocksText !== null;
  }

  /**
   * The [start, end) character spans of the template's {% generation %} blocks in `plain`, the chat rendered with these
   * messages and options; null where the template has no such block, where the marks cannot follow its blocks
   * (generation-block-places.ts), where the chat holds a character of every set of marks, or where the marks left out
   * of the marked rendering do not give `plain` (a `| trim` cut some of a macro's output).
   */
  generationSpans(messages: readonly TemplateMessage[], opts: ChatTemplateOptions, plain: string): Array<[number, number]> | null {
    const chosen = this.blocksText === null ? null : generationMarks(plain);
    if (this.blocksText === null || chosen === null) return null;
    let marked = this.marked.get(chosen.set);
    if (marked === undefined) {
      marked = new ChatTemplate(markGenerationBlocks(this.blocksText, chosen.marks), this.ctx);
      this.marked.set(chosen.set, marked);
    }
    return generationSpans(marked.render(messages, opts), plain, chosen.marks);
  }

  private renderOnWorker(worker: SyncWorker<RenderRequest, Outcome>, req: RenderRequest): Outcome {
    let reply;
    try {
      reply = worker.call(req, req.limits.ms + WORKER_GRACE_MS);
    } catch (e) {
      return { failed: e instanceof Error ? e.message : String(e) }; // the worker could not start
    }
    if (reply === null) return { stopped: `rendering took longer than ${req.limits.ms} ms or more than ${WORKER_HEAP_MB} MiB (work that does not end?)` };
    return reply.ok ? reply.value : { failed: reply.message };
  }
}

/** The default template's rules, checked up front so that the error can say which message is wrong. */
function checkDefaultChat(messages: readonly ChatMessage[]): void {
  if (messages.length === 0) throw new UserError('a chat needs at least one message', 'messages');
  const start = messages[0]!.role === 'system' ? 1 : 0;
  if (start === 1 && messages.length === 1) throw new UserError('a system message must be followed by a user message', 'messages');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (typeof m.content !== 'string') throw new UserError('content must be a string', `messages[${i}].content`);
    if (i < start) continue;
    const want = (i - start) % 2 === 0 ? 'user' : 'assistant';
    if (m.role !== want) {
      const why = m.role === 'system' ? 'a system message is only allowed first' : 'roles must alternate user/assistant, starting with user';
      throw new UserError(`expected role "${want}", got "${String(m.role)}" (${why})`, `messages[${i}].role`);
    }
  }
}
