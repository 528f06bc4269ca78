// A for loop's state as PythonInterpreter runs it (jinja-python.ts): whether it broke, how far it read a generator
// (jinja2's LoopContext reads one item ahead for loop.last, all of them for loop.length), loop.changed's last values,
// whether its body needs a scope of its own; and {% break %} / {% continue %} on their way to their loop.
import { V, type Value } from './jinja-values.ts';

/** A node of the library's syntax tree, as far as these read it. */
interface Node {
  type: string;
}

/**
 * A for loop's body, marked by evaluateFor: whether a {% break %} ended the loop, whether an iteration ran to its
 * end, whether an iteration needs a scope of its own (its statements assign).
 */
export type LoopBody = Node[] & { loop?: LoopState };
export interface LoopState {
  broken: boolean;
  completed: boolean;
  scoped: boolean;
  /** The values of the last loop.changed(…) call (jinja2 keeps them on the loop), null before the first. */
  changed: Value | null;
  /** Iterations begun before any {% break %} (the last one is the iteration that broke, when one did). */
  iterations: number;
  /** The iteration that read loop.last or loop.nextitem (jinja2 reads the next item ahead for them), 0 if none. */
  peekedAt: number;
  /** Whether loop.length, loop.revindex or loop.revindex0 was read (jinja2 reads all the items for them). */
  readAll: boolean;
  /** A loop over a generator, read as it goes (jinja2's loop reads it lazily: a loop inside over it reads the rest). */
  reading?: GeneratorReading;
}
/** A generator a loop reads as it goes: `gen.value` its rest, `size` its items when the loop began, `pulled` how many of them the loop read. */
export interface GeneratorReading {
  gen: { value: Value[] };
  size: number;
  pulled: number;
  /** The rest's array this reading made (takeOff): items come off it in place, not a copy of the rest per item. */
  own?: Value[];
}
const SHARED = "a loop over a generator whose body reads part of it (jinja2's loop then goes on from where the body stopped) is not supported by mistral-tune's template renderer";
/** Whether nothing but the loop read the generator since the loop last pulled from it. */
const untouched = (r: GeneratorReading): boolean => r.gen.value.length === r.size - r.pulled;
/**
 * The item of iteration `n` (1-based) pulled from the loop's generator, unless a peek pulled it already: false when the
 * body of an earlier iteration read the generator to its end (jinja2's loop then stops), an error when it read part.
 */
export function pullItem(r: GeneratorReading, n: number): boolean {
  if (r.pulled >= n) return true;
  if (!untouched(r)) {
    if (r.gen.value.length === 0) return false;
    throw new Error(SHARED);
  }
  takeOff(r, 1);
  return true;
}
/**
 * `count` items off the rest of the loop's generator: the first time (or after the body read it) a copy of the rest
 * (the library iterates the array the loop began with), then in place, so a loop over 20k items is not quadratic.
 */
function takeOff(r: GeneratorReading, count: number): void {
  if (count === 0) return;
  if (r.gen.value === r.own && count === 1) r.own.shift();
  else r.gen.value = r.own = r.gen.value.slice(count);
  r.pulled += count;
}
/**
 * What loop.last / loop.nextitem (one item ahead) or loop.length (all of them) read of the loop's generator in
 * iteration `n`; where the body read it to its end, the loop's `fields` say so (this iteration is its last).
 */
function pullAhead(r: GeneratorReading, n: number, all: boolean, fields: Map<string, Value>): void {
  if (r.pulled > n && !all) return;
  if (!untouched(r) && r.gen.value.length === 0) {
    fields.set('last', V.bool(r.pulled === n));
    if (r.pulled === n) fields.set('nextitem', V.undefined());
    fields.set('length', V.int(r.pulled));
    fields.set('revindex', V.int(r.pulled - n + 1));
    fields.set('revindex0', V.int(r.pulled - n));
    return;
  }
  if (!untouched(r)) throw new Error(SHARED);
  takeOff(r, all ? r.gen.value.length : Math.min(1, r.gen.value.length));
}
/** The loop fields jinja2's LoopContext reads one item ahead for, and those it reads all the items for. */
const PEEKING_FIELDS = new Set(['last', 'nextitem']);
const COUNTING_FIELDS = new Set(['length', 'revindex', 'revindex0']);
/** A loop field read (loop.last, loop | attr('length')): what of the iterable jinja2 reads for it. */
export function noteLoopField(loop: LoopState, field: string, fields: Map<string, Value>): void {
  if (PEEKING_FIELDS.has(field)) loop.peekedAt = loop.iterations;
  if (COUNTING_FIELDS.has(field)) loop.readAll = true;
  if (loop.reading && (PEEKING_FIELDS.has(field) || COUNTING_FIELDS.has(field))) pullAhead(loop.reading, loop.iterations, COUNTING_FIELDS.has(field), fields);
}
/** Each iteration's `loop` value (the library makes one per iteration) to the state of its loop. */
export const LOOP_OF = new WeakMap<object, LoopState>();

/** Whether statements assign names in their scope ({% set %}, {% macro %}, also inside {% if %}), by statements. */
const ASSIGNS = new WeakMap<Node[], boolean>();
export function assigns(statements: Node[]): boolean {
  let yes = ASSIGNS.get(statements);
  if (yes === undefined) {
    yes = statements.some((s) => {
      const block = s as Node & { body?: Node[]; alternate?: Node[] };
      if (s.type === 'Set' || s.type === 'Macro') return true;
      return (s.type === 'If' || s.type === 'FilterStatement') && (assigns(block.body ?? []) || assigns(block.alternate ?? []));
    });
    ASSIGNS.set(statements, yes);
  }
  return yes;
}

/** {% break %} or {% continue %} on its way to its loop, with the text its iteration printed before it. */
export class LoopControl extends Error {
  printed = '';
  constructor(readonly isBreak: boolean) {
    super(`{% ${isBreak ? 'break' : 'continue'} %} outside a loop`);
  }
}

/** The items a filter read to pass `n` of them: through the n-th it passed, or all it read where it passed fewer. */
export function throughPassed(passed: readonly boolean[], n: number): number {
  let count = 0;
  for (let i = 0; i < passed.length; i++) if (passed[i] && ++count === n) return i + 1;
  return Infinity;
}

/**
 * What a loop read of its generator (jinja-filters.ts take: a generator is read once): an unfiltered loop read it as
 * it went (pullItem), to its end unless it broke; a filtered loop (`for x in g if …`) tests every item first, so it
 * is refused where its body read the generator (`before` its rest when the loop began), and reads it up to the item
 * its filter passed last where it broke (one more where that iteration read loop.last or loop.nextitem), as jinja2's.
 */
export function readAfterLoop(gen: { value: Value[] }, loop: LoopState, passed: readonly boolean[] | null, before: Value[] | null): void {
  if (passed === null) {
    if (!loop.broken) gen.value = [];
    return;
  }
  if (gen.value !== before) throw new Error(SHARED);
  const read = loop.iterations + (loop.peekedAt === loop.iterations ? 1 : 0);
  const n = !loop.broken || loop.readAll ? Infinity : throughPassed(passed, read);
  gen.value = gen.value.slice(Math.min(n, gen.value.length));
}
