// Python's range() as jinja2's sandbox gives it to chat templates: its arguments ints (a bool is one; 'a' or 1.5
// fail with Python's TypeError, where a JS number would be taken), one to three of them, a step other than 0, and
// the result printed as Python prints a range object (range(0, 3)); at most `maxItems` items (jinja2's sandbox
// has MAX_RANGE too), else `tooMany` says why.
import { V, kindedList, pyType, type Value } from './jinja-values.ts';

export function pythonRange(maxItems: number, tooMany: (items: number) => Error): Value {
  return V.fn((args) => {
    if (args.at(-1)?.type === 'KeywordArgumentsValue') throw new Error('range() takes no keyword arguments');
    if (args.length < 1 || args.length > 3) throw new Error(`range expected ${args.length < 1 ? 'at least 1 argument' : 'at most 3 arguments'}, got ${args.length}`);
    const ints = args.map((a) => {
      if (a.type === 'BooleanValue') return a.value ? 1 : 0;
      if (a.type !== 'IntegerValue') throw new Error(`'${pyType(a)}' object cannot be interpreted as an integer`);
      return a.value as number;
    });
    const [start, stop, step] = ints.length === 1 ? [0, ints[0]!, 1] : [ints[0]!, ints[1]!, ints[2] ?? 1];
    if (step === 0) throw new Error('range() arg 3 must not be zero');
    const n = Math.max(0, Math.ceil((stop - start) / step));
    if (n > maxItems) throw tooMany(n);
    const items = Array.from({ length: n }, (_, i) => V.int(start + i * step));
    return kindedList('range', items, step === 1 ? `${start}, ${stop}` : `${start}, ${stop}, ${step}`);
  });
}
