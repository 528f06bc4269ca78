// Regular expressions from an adapter_config.json (a target_modules or exclude_modules string; rank_pattern's and
// alpha_pattern's keys) matched against the model's module names, as PEFT matches them with Python's re. The patterns
// are untrusted input: one that backtracks ("(.*)*Z") takes minutes on a 24-character name and years on
// "model.layers.0.self_attn.q_proj", so the matching runs on a worker thread that is stopped at a deadline.
import { SyncWorker, type WorkerReply } from '../util/sync-worker.ts';
import { boundedItemsText } from '../util/bounded-json.ts';

/** How long an adapter config's patterns together may take to match all the model's module names. */
export const REGEX_MS = 2000;

/** How many key × name tests plain keys are matched with on the calling thread (~20 ms): more take the worker. */
const PLAIN_TESTS = 100_000;

interface MatchRequest {
  sources: readonly string[];
  names: readonly string[];
}

/**
 * For each of `names`, the index of the first of `keys` whose pattern (`wrap` of it: PEFT's anchors and groups around the
 * key, each already compiled once by the caller to check it) matches it, or -1: PEFT's first key in the file's order.
 * Null when they took longer than REGEX_MS; a reply that is not ok says what the worker threw.
 */
export function firstMatches(keys: readonly string[], wrap: (key: string) => string, names: readonly string[]): WorkerReply<number[]> | null {
  const sources = keys.map(wrap);
  // keys of word characters, dots and hyphens alone (module names, the usual rank_pattern) hold no quantifier: matched
  // here, without a worker's start (~0.1 s each time an adapter's config is read), while they are few enough to be
  // quick (100,000 keys × 224 names took 50 s); more go to the worker and its deadline too
  if (matchedHere(keys, names.length)) return { ok: true, value: firstMatching()({ sources, names }) };
  const worker = new SyncWorker<MatchRequest, number[]>(new URL(import.meta.url), 'firstMatching', null, { heapMb: 64, startMs: 60_000 });
  try {
    return worker.call({ sources, names }, REGEX_MS);
  } finally {
    worker.close();
  }
}

/**
 * A pattern written for Python's re in JavaScript's dialect, where the two read the same text otherwise: \A and \Z
 * (JavaScript reads them as the letters A and Z: `q_proj\Z` matched no module) as ^ and $ (one line: no m flag), and
 * named groups (?P<name>…) and (?P=name) as (?<name>…) and \k<name>. Escapes and character classes are kept as they are.
 */
export function pythonRegex(source: string): string {
  let out = '', inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      out += !inClass && next === 'A' ? '^' : !inClass && next === 'Z' ? '$' : c + next;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      if (source[i + 1] === '^') out += source[++i];
      if (source[i + 1] === ']') { // a ] right after [ or [^ is a member in Python; JavaScript's [] is an empty class
        out += '\\]';
        i++;
      }
    } else if (source.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (source.startsWith('(?P=', i)) {
      const end = source.indexOf(')', i);
      if (end < 0) return out + source.slice(i); // unclosed: left for RegExp to refuse
      out += `\\k<${source.slice(i + 4, end)}>`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}

/** Whether `keys` are matched against `names` module names on the calling thread: plain names, few enough to be quick. */
export function matchedHere(keys: readonly string[], names: number): boolean {
  return keys.length * names <= PLAIN_TESTS && keys.every((k) => /^[\w.-]*$/.test(k));
}

/** What an adapter config's pattern that passed the deadline is refused with (after its key). */
export function tooSlow(patterns: readonly string[]): string {
  // the worker is stopped at the deadline, not told which pattern it was in: the quantified ones are named first
  const quantified = patterns.filter((p) => !/^[\w.-]*$/.test(p)), plain = patterns.filter((p) => /^[\w.-]*$/.test(p));
  const shown = boundedItemsText([...quantified, ...plain], { shown: 3, quote: true });
  const which = patterns.length === 1 ? `the regular expression ${shown}` : `the ${patterns.length} regular expressions ${shown}`;
  return `${which} took longer than ${REGEX_MS} ms to match the module names (nested quantifiers such as "(.*)*"? that many keys?)`;
}

/** SyncWorker's handler (on the worker thread): firstMatches' answer. */
export function firstMatching(): (req: MatchRequest) => number[] {
  return ({ sources, names }) => {
    const res = sources.map((s) => new RegExp(s));
    return names.map((n) => res.findIndex((re) => re.test(n)));
  };
}
