// What a chat template may be given: messages and tools are data, as transformers' apply_chat_template takes them from
// JSON — strings, numbers (a boxed Number: Python's float 1.0; a bigint: an int past 2**53, python-numbers.ts),
// booleans, null, lists and plain objects. A library caller's function, symbol, Map, Date or class instance, or a value
// that holds itself, would fail on the render worker as "could not be cloned", be rendered as {} (a Map, a Date), or
// run the render out of stack: it is refused up front, naming where it is.
import { memberPath } from '../data/ingest/duplicate-keys.ts';
import { isPythonFloat } from '../data/python-numbers.ts';

/** Where `value` (given as `at`: "messages", "options.tools") holds what a template cannot be given: "messages[0].f is a function", or null. */
export function templateInputProblem(value: unknown, at: string): string | null {
  const open = new Set<object>(); // the containers on the path from the root to the one being walked: a cycle
  const stack: Array<{ v: unknown; at: string } | { leave: object }> = [{ v: value, at }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if ('leave' in top) {
      open.delete(top.leave);
      continue;
    }
    const { v, at: where } = top;
    if (typeof v === 'function') return `${where} is a function`;
    if (typeof v === 'symbol') return `${where} is a symbol`;
    if (typeof v !== 'object' || v === null || isPythonFloat(v)) continue;
    if (open.has(v)) return `${where} holds itself (a value that contains one of its own containers)`;
    if (!Array.isArray(v) && !isPlainObject(v)) return `${where} is a ${v.constructor?.name ?? 'non-plain object'}`;
    open.add(v);
    stack.push({ leave: v });
    // Array.from: a sparse array's hole is an entry (undefined), where map leaves a hole that read as no entry (a TypeError)
    const entries = Array.isArray(v) ? Array.from(v, (x, i) => [`${where}[${i}]`, x] as const) : Object.entries(v).map(([k, x]) => [memberPath(where, k), x] as const);
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ v: entries[i]![1], at: entries[i]![0] });
  }
  return null;
}

/** An object literal's or JSON.parse's object (its prototype Object.prototype, or none), of this realm or another's. */
function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}
