// @huggingface/jinja's interpreter made to render as Python's jinja2 does for transformers (the training text must
// equal transformers' rendering byte for byte): values print as Python's str() (True, None, ['a'], {'k': 1}, 2.0);
// `%` formats strings and takes Python's modulo of numbers; ==, `in` and `*` follow Python; str + non-str fails as in
// Python; method calls use Python's str/list/dict methods (jinja-methods.ts: strip with characters, format,
// splitlines, …); the filters and tests chat templates use (string, join, trim, length, default/d, tojson, map,
// select/reject(attr), first/last, max/min/sum, sort, unique, round, title, capitalize, replace, indent, reverse) follow
// jinja2's, and so do the rare ones (jinja-filters-rare.ts: truncate, escape, groupby, …) and tests with an argument
// (jinja-test-arguments.ts: is divisibleby 2, or by keyword, divisibleby(num=2)); ints past 2**53, literals and
// results, are exact (jinja-int-literals.ts, jinja-int-arithmetic.ts); comparisons chain (jinja-compare-chains.ts: 1 < x < 3);
// x / 0 and x // 0.0 fail (ZeroDivisionError, where the library gives inf); `for a, b in` unpacks tuples; a str is indexed, searched,
// padded and ordered by code point, as in Python. A method no table knows fails with an error that names it;
// {% break %} and {% continue %} keep what their iteration printed; x.name is Python's attribute before the item
// (jinja-attributes.ts), filters check their arity (jinja-filter-arity.ts), a Markup keeps through str methods
// (jinja-markup-methods.ts), an undefined name may be a jinja2 global (jinja-globals.ts). The rest is the library's.
import { Environment, Interpreter } from '@huggingface/jinja';
import { FILTERS, TESTS, compare, contains, type Filter, type FilterHost } from './jinja-filters.ts';
import { RARE_FILTERS, RARE_TESTS, escapeMarkup, isMarkup, markupOf, markupText } from './jinja-filters-rare.ts';
import { percentFormat } from './jinja-format.ts';
import { callMethod } from './jinja-methods.ts';
import { markupFilter, markupMethod } from './jinja-markup-methods.ts';
import { WORDWRAP } from './jinja-wordwrap.ts';
import { HTML_FILTERS } from './jinja-filters-html.ts';
import { pythonAttribute } from './jinja-attributes.ts';
import { checkFilterArity } from './jinja-filter-arity.ts';
import { jinjaGlobal } from './jinja-globals.ts';
import { INEXACT_INT } from './jinja-int-literals.ts';
import { TUPLE_LITERAL } from './jinja-short-tuples.ts';
import { loaderFailure } from './jinja-loader-tags.ts';
import { testArgument, testOfFilter } from './jinja-test-arguments.ts';
import { continuesChain } from './jinja-compare-chains.ts';
import { exactIntArithmetic, floatOperands } from './jinja-int-arithmetic.ts';
import { checkItems, checkRoom } from './jinja-room.ts';
import { V, asKey, isGlobalObject, notIterable, isInt, isList, isNum, isStr, keyValue, listKind, pyEq, pyStr, pyType, type Key, type Value } from './jinja-values.ts';
import { LOOP_OF, LoopControl, assigns, noteLoopField, pullItem, readAfterLoop, type LoopBody, type LoopState } from './jinja-loop-state.ts';
import type { Node, ValueNode, BinaryNode, UnaryNode, MemberNode, CallNode, ForNode, SetNode, MacroNode, DictNode, TestNode, LibraryInterpreter } from './jinja-ast.ts';

const Base = Interpreter as unknown as new (env: Environment) => LibraryInterpreter;

/** Every filter this file applies before the library's: jinja-filters.ts's and jinja-filters-rare.ts's. */
const ALL_FILTERS: Record<string, Filter> = { ...FILTERS, ...RARE_FILTERS, ...HTML_FILTERS, wordwrap: WORDWRAP };
const ALL_TESTS = { ...TESTS, ...RARE_TESTS };
/** Statements whose result is their rendered text (or nothing); any other node is an expression printed with str(). */
const STATEMENTS = new Set(['Program', 'Set', 'If', 'For', 'Macro', 'CallStatement', 'FilterStatement', 'Break', 'Continue', 'Comment']);

/** The operators on numbers, where Python takes a bool as the int 0 or 1. */
const NUMERIC_OPS = new Set(['+', '-', '*', '/', '//', '%', '**', '<', '<=', '>', '>=']);

/** A character beyond the BMP (a surrogate pair in a JS string). */
const ASTRAL = /[\ud800-\udbff][\udc00-\udfff]/;

/** Python's ZeroDivisionError for x / 0 and x // 0 (JavaScript gives Infinity or NaN, which would print as a number). */
function zeroDivision(op: '/' | '//', ints: boolean): Error {
  const what = op === '/' ? (ints ? 'division' : 'float division') : ints ? 'integer division or modulo' : 'float floor division';
  return new Error(`${what} by zero`);
}

/** A value as `a, b = value` unpacks it, as a list: a tuple's, a str's characters, a dict's keys (any other value as it is). */
function unpackable(v: Value): Value {
  if (v.type === 'TupleValue') return V.list(v.value as Value[]);
  if (isStr(v)) return V.list([...v.value].map(V.str));
  if (v.type === 'ObjectValue' && !isGlobalObject(v)) return V.list([...(v.value as Map<Key, Value>).keys()].map(keyValue));
  return v;
}

/** A node standing for a value already evaluated (to hand the library an operation whose operands are known). */
const EVALUATED = 'PythonEvaluated';
const evaluated = (value: Value): ValueNode => ({ type: EVALUATED, value });
/** A for loop's filter (`for x in g if …`), noting each item's verdict in order, so a loop that breaks knows how far it read. */
const LOOP_FILTER = 'PythonLoopFilter';
interface LoopFilterNode extends Node {
  test: Node;
  passed: boolean[];
}

/** The library's interpreter with Python's printing, operators, methods, filters and tests (see the header). */
export class PythonInterpreter extends Base implements FilterHost {
  override evaluate(node: unknown, env: Environment): Value {
    switch ((node as Node | undefined)?.type) {
      case EVALUATED: return (node as ValueNode).value as Value;
      case LOOP_FILTER: {
        const filter = node as LoopFilterNode;
        const verdict = this.evaluate(filter.test, env);
        filter.passed.push(verdict.__bool__().value);
        return verdict;
      }
      case 'ObjectLiteral': return this.evaluateDict(node as DictNode, env);
      case 'Break': throw new LoopControl(true);
      case 'Continue': throw new LoopControl(false);
      default: return super.evaluate(node, env);
    }
  }

  /**
   * A block's text. For a loop's body (evaluateFor marks it), each iteration runs in a scope of its own, what it
   * printed before a {% break %} or {% continue %} is kept, as in jinja2 (the library shares one scope between the
   * iterations and drops that text), and after a break the remaining iterations print nothing; the loop's else
   * block renders when no iteration ran to its end (no item, or each one continued or broke), as jinja2's does.
   */
  override evaluateBlock(statements: Node[], blockEnv: Environment): Value {
    const loop = (statements as LoopBody).loop;
    if (loop?.broken) return V.str('');
    if (loop) loop.iterations++;
    // a loop over a generator pulls its item now; it stops where its body read the generator to its end
    if (loop?.reading && !pullItem(loop.reading, loop.iterations)) {
      loop.broken = true;
      return V.str('');
    }
    const loopValue = loop ? blockEnv.variables.get('loop') : undefined;
    if (loop && loopValue) {
      LOOP_OF.set(loopValue, loop);
      // loop.depth: 1 in every loop here, as recursive loops are not parsed (the library's loop has none)
      const fields = loopValue.value as Map<string, Value>;
      fields.set('depth', V.int(1));
      fields.set('depth0', V.int(0));
    }
    // each iteration has its own scope, as in jinja2: a {% set %} in the body is gone at the next iteration
    const env = loop?.scoped ? new Environment(blockEnv) : blockEnv;
    let out = '';
    try {
      for (const s of statements) {
        const v = this.evaluate(s, env);
        if (v.type === 'StringValue') out += v.value as string;
        else if (!STATEMENTS.has(s.type)) out += pyStr(v);
      }
    } catch (e) {
      if (!(e instanceof LoopControl)) throw e;
      e.printed = out + e.printed;
      if (!loop) throw e;
      if (e.isBreak) loop.broken = true;
      return V.str(e.printed);
    }
    if (loop) loop.completed = true;
    return V.str(out);
  }

  /** -x and +x of an int past 2**53 (a bigint, which the library would multiply by the number -1 or 1). */
  override evaluateUnaryExpression(node: UnaryNode, env: Environment): Value {
    const op = node.operator.value;
    if (op !== '-' && op !== '+') return super.evaluateUnaryExpression(node, env);
    const x = this.evaluate(node.argument, env);
    const big: unknown = x.value;
    if (typeof big === 'bigint') return V.exactInt(op === '-' ? -big : big);
    return super.evaluateUnaryExpression({ ...node, argument: evaluated(x) }, env);
  }

  override evaluateBinaryExpression(node: BinaryNode, env: Environment): Value {
    const op = node.operator.value;
    if (op === 'and' || op === 'or') return super.evaluateBinaryExpression(node, env);
    if (continuesChain(node.operator)) return V.bool(this.compareChain(node, env).holds);
    let a = this.evaluate(node.left, env);
    let b = this.evaluate(node.right, env);
    if ((a.type === 'BooleanValue' || b.type === 'BooleanValue') && NUMERIC_OPS.has(op) && !(op === '%' && isStr(a))) {
      // Python's bool is an int: True + 1 == 2, 'a' * True == 'a'
      if (a.type === 'BooleanValue') a = V.int(a.value ? 1 : 0);
      if (b.type === 'BooleanValue') b = V.int(b.value ? 1 : 0);
    }
    if ((op === '/' || op === '//') && isNum(a) && isNum(b) && b.value === 0) throw zeroDivision(op, isInt(a) && isInt(b));
    const exact = exactIntArithmetic(op, a, b);
    if (exact !== null) return exact;
    [a, b] = floatOperands(op, a, b);
    switch (op) {
      case '==': return V.bool(pyEq(a, b));
      case '!=': return V.bool(!pyEq(a, b));
      case '~': return V.str(pyStr(a) + pyStr(b));
      case 'in':
      case 'not in':
        if (b.type !== 'UndefinedValue') return V.bool(contains(b, a) === (op === 'in'));
        break;
      case '%':
        // a Markup's % escapes the arguments' text (markupsafe), whether or not the environment autoescapes
        if (isStr(a)) return isMarkup(a) ? markupOf(percentFormat(a.value, b, markupText)) : V.str(percentFormat(a.value, b));
        if (isNum(a) && isNum(b)) {
          if (b.value === 0) throw new Error('integer division or modulo by zero');
          let r = a.value % b.value;
          if (r !== 0 && r < 0 !== b.value < 0) r += b.value;
          return isInt(a) && isInt(b) ? V.int(r) : V.float(r);
        }
        break;
      case '+':
        // Markup + str escapes the str (markupsafe), the sum a Markup
        if (isStr(a) && isStr(b) && (isMarkup(a) || isMarkup(b))) return markupOf((escapeMarkup(a).value as string) + (escapeMarkup(b).value as string));
        if (isStr(a) && isStr(b)) return V.str(a.value + b.value); // the common case, without the library's detour
        if (isStr(a) !== isStr(b) && a.type !== 'UndefinedValue' && b.type !== 'UndefinedValue') {
          throw new Error(isStr(a) ? `can only concatenate str (not "${pyType(b)}") to str` : `unsupported operand type(s) for +: '${pyType(a)}' and '${pyType(b)}'`);
        }
        // a generator, a range or a dict view has no + (the library concatenates them as lists), nor a list and a
        // tuple; a tuple's is a tuple
        if (isList(a) && isList(b)) {
          if (listKind(a) !== undefined || listKind(b) !== undefined || a.type !== b.type) {
            throw new Error(listKind(a) === undefined ? `can only concatenate ${pyType(a)} (not "${pyType(b)}") to ${pyType(a)}` : `unsupported operand type(s) for +: '${pyType(a)}' and '${pyType(b)}'`);
          }
          if (a.type === 'TupleValue') return V.tuple([...a.value, ...b.value]);
        }
        break;
      case '*': {
        const [seq, n] = isInt(b) && (isStr(a) || isList(a)) ? [a, b.value] : isInt(a) && (isStr(b) || isList(b)) ? [b, a.value] : [null, 0];
        if (!seq) break;
        if (listKind(seq) !== undefined) throw new Error(`unsupported operand type(s) for *: '${pyType(a)}' and '${pyType(b)}'`); // nor *
        const times = repeatCount(n);
        if (isStr(seq)) checkRoom(seq.value.length * times);
        if (isStr(seq)) return (isMarkup(seq) ? markupOf : V.str)(seq.value.repeat(times)); // a Markup's is a Markup
        checkItems(seq.value.length * times);
        // an empty list repeated is empty however many times ([] * 10**8 is [] at once in Python): no copies built
        return (seq.type === 'TupleValue' ? V.tuple : V.list)(seq.value.length === 0 ? [] : Array.from({ length: times }, () => seq.value).flat());
      }
      case '<': case '<=': case '>': case '>=':
        // two strs, or two lists (tuples) item by item, as Python orders them (the library has no order of lists)
        if ((isStr(a) && isStr(b)) || (isList(a) && isList(b))) return V.bool(compare(op)(a, b));
        break;
    }
    return super.evaluateBinaryExpression({ type: node.type, operator: node.operator, left: evaluated(a), right: evaluated(b) }, env);
  }

  /**
   * A chain of comparisons (jinja-compare-chains.ts marks the operators that continue one): whether every link holds,
   * each operand evaluated once and none after the first link that fails, as in Python; `last` is the right operand.
   */
  private compareChain(node: BinaryNode, env: Environment): { holds: boolean; last: Value } {
    const chained = continuesChain(node.operator) && node.left.type === 'BinaryExpression';
    const left = chained ? this.compareChain(node.left as BinaryNode, env) : { holds: true, last: this.evaluate(node.left, env) };
    if (!left.holds) return left;
    const right = this.evaluate(node.right, env);
    const link = { type: node.type, operator: { value: node.operator.value }, left: evaluated(left.last), right: evaluated(right) };
    return { holds: this.evaluateBinaryExpression(link, env).value === true, last: right };
  }

  override evaluateCallExpression(node: CallNode, env: Environment): Value {
    const callee = node.callee as MemberNode;
    if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return super.evaluateCallExpression(node, env);
    const name = callee.property.value as string;
    let obj = this.evaluate(callee.object, env);
    if (name === 'fromkeys' && obj === jinjaGlobal('dict')) obj = V.dict(new Map()); // the classmethod dict.fromkeys
    const [args, kwargs] = this.evaluateArguments(node.args, env);
    const result = (isMarkup(obj) ? markupMethod : callMethod)(obj, name, args, kwargs);
    if (result) return result;
    if (name === 'cycle' && obj.type === 'ObjectValue' && isInt((obj.value as Map<string, Value>).get('index0') ?? V.none())) {
      if (args.length === 0) throw new Error('no items for cycling given');
      return args[((obj.value as Map<string, Value>).get('index0')!.value as number) % args.length]!;
    }
    const state = name === 'changed' ? LOOP_OF.get(obj) : undefined;
    if (state) {
      // loop.changed(*values): true when the values differ from those of the last call (the first call: true)
      const now = V.list(args);
      if (state.changed !== null && pyEq(state.changed, now)) return V.bool(false);
      state.changed = now;
      return V.bool(true);
    }
    const member = super.evaluateMemberExpression({ ...callee, object: evaluated(obj) }, env);
    if (member.type !== 'FunctionValue') {
      if (obj.type === 'UndefinedValue') throw new Error(`cannot call .${name}() on an undefined value`);
      throw new Error(`${pyType(obj)}.${name}() is not supported by mistral-tune's template renderer`);
    }
    // a builtin of the library this file does not replace (dict.dictsort, …); with keywords, the library's own call
    if (kwargs.size > 0) return super.evaluateCallExpression(node, env);
    return (member.value as (args: Value[], env: Environment) => Value)(args, env);
  }

  /** A dict literal: its keys strs or ints ({0: 0, 512: 128}; the library's takes only strs). */
  private evaluateDict(node: DictNode, env: Environment): Value {
    const entries = new Map<Key, Value>();
    for (const [k, v] of node.value) {
      const key = this.evaluate(k, env);
      const mapKey = asKey(key);
      if (mapKey === undefined) {
        const type = typeof (key.value as unknown) === 'bigint' ? 'int past 2**53' : pyType(key);
        throw new Error(`a dict key of type ${type} is not supported by mistral-tune's template renderer`);
      }
      entries.set(mapKey, this.evaluate(v, env));
    }
    return V.dict(entries);
  }

  /**
   * x.name and x[i] as jinja2 reads them: of an undefined value they fail (jinja2's Undefined raises, where the
   * library's gives undefined again); x[i] of a value that holds no items (a number, None) is undefined; d[i] of a
   * dict with int keys; s[i] of a str with characters beyond the BMP counts code points, as Python does (the
   * library counts UTF-16 units).
   */
  override evaluateMemberExpression(node: MemberNode, env: Environment): Value {
    const obj = this.evaluate(node.object, env);
    if (node.computed && isMarkup(obj)) {
      // a Markup's item or slice is a Markup (markupsafe's __getitem__)
      const part = this.evaluateMemberExpression({ ...node, object: evaluated(V.str(obj.value as string)) }, env);
      return isStr(part) ? markupOf(part.value) : part;
    }
    if (obj.type === 'UndefinedValue') {
      const name = node.computed ? '[…]' : `.${String(node.property.value)}`;
      throw new Error(`${name} of an undefined value (jinja2's UndefinedError)`);
    }
    const p = node.property.type;
    const kind = node.computed ? listKind(obj) : undefined;
    if (kind === 'range' && p === 'SliceExpression') throw new Error("a slice of a range() is not supported by mistral-tune's template renderer (jinja2 gives a range)");
    if (kind !== undefined && kind !== 'range') {
      // a dict view or a generator has no items by index or key (Undefined), and no slice (a TypeError)
      if (p === 'SliceExpression') throw new Error(`'${pyType(obj)}' object is not subscriptable`);
      return V.undefined();
    }
    const loopState = LOOP_OF.get(obj);
    if (loopState && !node.computed && p === 'Identifier') noteLoopField(loopState, node.property.value as string, obj.value as Map<string, Value>);
    if (!node.computed && p === 'Identifier' && !loopState) {
      const attribute = pythonAttribute(obj, node.property.value as string);
      if (attribute) return attribute;
    }
    if (obj.type === 'ObjectValue' && (node.computed ? p === 'StringLiteral' : p === 'Identifier')) {
      // message['content'], message.role: the library's lookup, without its detour
      const key = node.property.value as string;
      return (obj.value as Map<Key, Value>).get(key) ?? obj.builtins.get(key) ?? V.undefined();
    }
    if (node.computed && p !== 'StringLiteral') {
      if (!(isStr(obj) || isList(obj) || obj.type === 'ObjectValue')) return V.undefined();
      if (p === 'SliceExpression') {
        // x[::0] fails as in Python (the library's gives an empty list or string); an int past 2**53 (a bigint) is past
        // any str's or list's end, as the largest safe integer is; none is no bound, a bool the int 0 or 1, and any other
        // bound (an undefined value, a float) fails as Python's slice does
        const slice = node.property as MemberNode['property'] & { start?: Node; stop?: Node; step?: Node };
        const bound = (n: Node | undefined): Value | undefined => {
          let v = n === undefined ? undefined : this.evaluate(n, env);
          if (v === undefined || v.type === 'NullValue') return undefined;
          if (v.type === 'BooleanValue') v = V.int(v.value ? 1 : 0);
          if (!isInt(v)) throw new Error('slice indices must be integers or None or have an __index__ method');
          if (typeof (v.value as unknown) !== 'bigint') return v;
          return V.int((v!.value as unknown as bigint) < 0n ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER);
        };
        const [start, stop, step] = [bound(slice.start), bound(slice.stop), bound(slice.step)];
        if (step && isInt(step) && step.value === 0) throw new Error('slice step cannot be zero');
        const asNode = (v: Value | undefined) => (v === undefined ? undefined : evaluated(v));
        const property = { ...slice, start: asNode(start), stop: asNode(stop), step: asNode(step) };
        const part = super.evaluateMemberExpression({ ...node, object: evaluated(obj), property }, env);
        return obj.type === 'TupleValue' && isList(part) ? V.tuple(part.value) : part; // a tuple's slice is a tuple
      }
      let index = this.evaluate(node.property, env);
      if (index.type === 'BooleanValue') index = V.int(index.value ? 1 : 0); // Python's bool is the int 0 or 1, as an index and as a key
      // a dict's int key found by an equal float too ({1: 'a'}[1.0]); as jinja2's getitem, any other key or index that
      // Python's [] refuses (a float index, None, an undefined value, a list) gives undefined
      if (obj.type === 'ObjectValue' && isNum(index)) return (obj.value as Map<Key, Value>).get(index.value) ?? V.undefined();
      if (typeof (index.value as unknown) === 'bigint') return V.undefined(); // an int past 2**53: past any str's or list's end
      if (!isInt(index) && !isStr(index)) return V.undefined();
      if (isStr(obj) && isInt(index) && ASTRAL.test(obj.value)) {
        const chars = [...obj.value];
        const ch = chars[index.value < 0 ? chars.length + index.value : index.value];
        return ch === undefined ? V.undefined() : V.str(ch);
      }
      return super.evaluateMemberExpression({ ...node, object: evaluated(obj), property: evaluated(index) as MemberNode['property'] }, env);
    }
    return super.evaluateMemberExpression({ ...node, object: evaluated(obj) }, env);
  }

  /**
   * {% set x %}…{% endset %}: the body has a scope of its own, as in jinja2 (a {% set %} inside it stays there), and
   * filters after the name apply to it ({% set x | trim %}).
   */
  override evaluateSet(node: SetNode, env: Environment): Value {
    if (node.value && node.assignee.type === 'TupleLiteral') {
      // {% set a, b = 'xy' %} unpacks a str's characters, a dict's keys, as Python does (the library's only a list's items)
      return super.evaluateSet({ ...node, value: evaluated(unpackable(this.evaluate(node.value, env))) }, env);
    }
    if (node.value) return super.evaluateSet(node, env);
    const filters: Node[] = [];
    let assignee = node.assignee;
    for (; assignee.type === 'FilterExpression'; assignee = assignee.operand as SetNode['assignee']) filters.unshift(assignee.filter!);
    let value = this.evaluateBlock(node.body, new Environment(env));
    for (const f of filters) value = this.applyFilter(value, f, env);
    return super.evaluateSet({ ...node, assignee, value: evaluated(value) }, env);
  }

  /**
   * A macro sees the variables of where it is defined, as in jinja2, not those of its caller (the library's
   * looks names up from the call site): only `caller` comes from the call ({% call %}).
   */
  override evaluateMacro(node: MacroNode, env: Environment): Value {
    const out = super.evaluateMacro(node, env);
    const call = env.lookupVariable(node.name.value) as unknown as Value;
    const body = call.value as (args: Value[], scope: Environment) => Value;
    env.setVariable(node.name.value, V.fn((args, scope) => {
      const defined = new Environment(env);
      const caller = scope.variables.get('caller');
      if (caller) defined.setVariable('caller', caller);
      return body(args, defined);
    }) as never);
    return out;
  }

  /** A name no scope defines may be one of jinja2's globals (dict; jinja-globals.ts). */
  override evaluateIdentifier(node: ValueNode, env: Environment): Value {
    const v = super.evaluateIdentifier(node, env);
    return v.type === 'UndefinedValue' ? jinjaGlobal(node.value as string) ?? v : v;
  }

  /** A macro's varargs are a tuple, as in jinja2 (the library's a list). */
  override bindMacroArguments(displayName: string, parameters: Node[], special: Set<string>, args: Value[], scope: Environment): void {
    super.bindMacroArguments(displayName, parameters, special, args, scope);
    const varargs = scope.variables.get('varargs') as unknown as Value | undefined;
    if (special.has('varargs') && varargs && isList(varargs)) scope.variables.set('varargs', V.tuple(varargs.value) as never);
  }

  /** A for loop over a string goes over its characters, as in Python (the library's refuses a string), over a dict its keys, unpacking tuples; its body as evaluateBlock says. */
  override evaluateFor(node: ForNode, env: Environment): Value {
    const select = node.iterable.type === 'SelectExpression';
    const v = this.evaluate(select ? node.iterable.lhs : node.iterable, env);
    if (isGlobalObject(v)) throw notIterable(v);
    // an undefined value iterates as empty, as jinja2's Undefined does (the library's refuses it)
    let items = v.type === 'UndefinedValue' ? V.list([]) : isStr(v) ? V.list([...v.value].map(V.str)) : v.type === 'ObjectValue' ? V.list([...(v.value as Map<Key, Value>).keys()].map(keyValue)) : v;
    // `for a, b in` unpacks tuples too (groupby's groups, (1, 2) literals); the library's unpacks only lists
    if (node.loopvar.type === 'TupleLiteral' && isList(items)) items = V.list(items.value.map(unpackable));
    const loop: LoopState = { broken: false, completed: false, scoped: assigns(node.body), changed: null, iterations: 0, peekedAt: 0, readAll: false };
    const body: LoopBody = Object.assign([...node.body], { loop });
    const filter: LoopFilterNode | null = select ? { type: LOOP_FILTER, test: node.iterable.test!, passed: [] } : null;
    const lazy = !filter && (node.iterable.type === 'Identifier' || node.iterable.type === 'MemberExpression') && isList(v) && listKind(v) === 'generator'; // read as it goes where the body can name it (`in users`; `in messages | select…` no one else reads)
    if (lazy) loop.reading = { gen: v, size: v.value.length, pulled: 0 };
    const iterable = filter ? { ...node.iterable, lhs: evaluated(items), test: filter } : evaluated(items);
    const before = isList(v) ? v.value : null;
    const out = super.evaluateFor({ ...node, body, iterable, defaultBlock: [] }, env);
    if (isList(v) && listKind(v) === 'generator') readAfterLoop(v, loop, filter?.passed ?? null, before);
    if (node.defaultBlock.length === 0 || loop.completed) return out;
    return V.str((out.value as string) + (this.evaluateBlock(node.defaultBlock, new Environment(env)).value as string));
  }

  override evaluateTestExpression(node: TestNode, env: Environment): Value {
    return V.bool(this.runTest(node.test.value, this.evaluate(node.operand, env), undefined, env) !== node.negate);
  }

  override applyFilter(operand: Value, filter: Node, env: Environment): Value {
    const call = filter.type === 'CallExpression' && (filter as CallNode).callee.type === 'Identifier' ? (filter as CallNode) : null;
    const name = filter.type === 'Identifier' ? ((filter as ValueNode).value as string) : call ? ((call.callee as ValueNode).value as string) : null;
    const f = name !== null && Object.hasOwn(ALL_FILTERS, name) ? ALL_FILTERS[name] : undefined;
    if (name === INEXACT_INT) return V.exactInt(BigInt(operand.value as string)); // its digits, as Python's int
    if (name === TUPLE_LITERAL) return V.tuple(operand.value as Value[]); // `(x,)` or `()`: the list's items
    const loader = name === null ? null : loaderFailure(name, operand.value); // {% include %} reached
    if (loader) throw loader;
    const test = name !== null && !f ? testOfFilter(name) : null;
    if (!f && !test) return super.applyFilter(operand, filter, env);
    const [args, kwargs] = call ? this.evaluateArguments(call.args, env) : [[], new Map<string, Value>()];
    if (test) {
      // a test with an argument (jinja-test-arguments.ts made it a filter call), by position or by jinja2's keyword
      return V.bool(this.runTest(test.test, operand, testArgument(test.test, args, kwargs), env) !== test.negate);
    }
    checkFilterArity(name!, args.length);
    return markupFilter(operand, name!, args, kwargs) ?? f!.call(this, operand, { args, kwargs }, env);
  }

  /** A filter by name on a value, with arguments already evaluated (map('trim'), select('odd')). */
  applyNamed(operand: Value, name: string, args: Value[], env: Environment, kwargs: ReadonlyMap<string, Value> = new Map()): Value {
    const keywords = [...kwargs].map(([key, value]) => ({ type: 'KeywordArgumentExpression', key: { type: 'Identifier', value: key }, value: evaluated(value) }));
    const node = args.length === 0 && keywords.length === 0
      ? { type: 'Identifier', value: name }
      : { type: 'CallExpression', callee: { type: 'Identifier', value: name }, args: [...args.map(evaluated), ...keywords] };
    return this.applyFilter(operand, node, env);
  }

  /**
   * Python's getattr(obj, name), as jinja2's attr filter reads it: an attribute (a method, a number's real), never an
   * item; a loop's and a namespace's fields are attributes; none: undefined. Of an undefined value it fails, as jinja2's.
   */
  getattr(obj: Value, name: string): Value {
    if (obj.type === 'UndefinedValue') throw new Error(`attr('${name}') of an undefined value (jinja2's UndefinedError)`);
    const loopState = LOOP_OF.get(obj);
    if (loopState) noteLoopField(loopState, name, obj.value as Map<string, Value>); // loop | attr('last') reads ahead as loop.last does
    if (loopState || obj.type === 'NamespaceValue') return (obj.value as Map<string, Value>).get(name) ?? V.undefined();
    return pythonAttribute(obj, name) ?? V.undefined();
  }

  /** A test by name, jinja2's or else the library's. */
  runTest(name: string, v: Value, arg: Value | undefined, env: Environment): boolean {
    const test = Object.hasOwn(ALL_TESTS, name) ? ALL_TESTS[name] : undefined;
    // a test of the value alone (test.length 1: upper, defined, …) given an argument fails as in jinja2 (TypeError)
    if (test && arg !== undefined && test.length < 2) throw new Error(`the test ${name} takes no argument (jinja2's TypeError)`);
    if (test) return test(v, arg);
    if (arg !== undefined) throw new Error(`the test '${name}' with an argument is not supported by mistral-tune's template renderer`);
    const node = { type: 'TestExpression', operand: evaluated(v), negate: false, test: { value: name } };
    return super.evaluateTestExpression(node, env).value === true;
  }
}

/**
 * How many copies `seq * n` makes (none for n ≤ 0), as Python's sequence repetition takes n: one past a Py_ssize_t
 * (±2**63) is an OverflowError, an empty text or list's too ('' * 10**20 fails, '' * 10**18 is '').
 */
function repeatCount(n: number | bigint): number {
  const big = BigInt(n);
  if (big > 2n ** 63n - 1n || big < -(2n ** 63n)) throw new Error("cannot fit 'int' into an index-sized integer");
  return Math.max(0, Number(big));
}
