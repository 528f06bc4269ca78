// @huggingface/jinja (0.5.11) gives strings strip(), lstrip() and rstrip() that ignore their argument, where Python's
// (which transformers renders templates with) strip the characters given: a reasoning template's
// `content.split('</think>')[-1].lstrip('\n')` also stripped the spaces of an indented first line, so the text
// trained differed from what transformers renders. This replaces the three methods on the library's string values
// with Python's behaviour (no argument or none: whitespace; a string: any of its characters). Imported for its
// effect by chat-template.ts, on whichever thread renders.
import { Environment } from '@huggingface/jinja';

interface RuntimeValue {
  type: string;
  value: unknown;
}
type Builtins = Map<string, unknown>;

/** `s` without the characters of `chars` (whitespace when null) at the start and/or the end. */
export function pythonStrip(s: string, chars: string | null, start: boolean, end: boolean): string {
  if (chars === null) return start && end ? s.trim() : start ? s.trimStart() : s.trimEnd();
  const set = new Set(chars);
  let i = 0, j = s.length;
  if (start) while (i < j && set.has(s[i]!)) i++;
  if (end) while (j > i && set.has(s[j - 1]!)) j--;
  return s.slice(i, j);
}

function patchStringMethods(): void {
  const env = new Environment();
  env.set('s', '');
  const sample = env.lookupVariable('s') as unknown as RuntimeValue & { builtins: Builtins };
  const proto = Object.getPrototypeOf(sample) as object;
  const getter = Object.getOwnPropertyDescriptor(proto, 'builtins')?.get;
  const FunctionValue = (sample.builtins.get('upper') as object | undefined)?.constructor as (new (f: (args: RuntimeValue[]) => RuntimeValue) => unknown) | undefined;
  if (sample.type !== 'StringValue' || !getter || !FunctionValue) throw new Error('@huggingface/jinja: string values are not as jinja-strip.ts expects');
  const StringValue = sample.constructor as new (v: string) => RuntimeValue;
  const patched = new WeakSet<Builtins>();
  Object.defineProperty(proto, 'builtins', {
    configurable: true,
    get(this: RuntimeValue): Builtins {
      const map = getter.call(this) as Builtins;
      if (patched.has(map)) return map;
      const text = this.value as string;
      const method = (start: boolean, end: boolean) => new FunctionValue((args) => {
        const chars = args[0];
        if (chars !== undefined && chars.type !== 'NullValue' && chars.type !== 'UndefinedValue' && typeof chars.value !== 'string') {
          throw new Error('strip() argument must be a string or none');
        }
        return new StringValue(pythonStrip(text, typeof chars?.value === 'string' ? chars.value : null, start, end));
      });
      map.set('strip', method(true, true));
      map.set('lstrip', method(true, false));
      map.set('rstrip', method(false, true));
      patched.add(map);
      return map;
    },
  });
}

patchStringMethods();
