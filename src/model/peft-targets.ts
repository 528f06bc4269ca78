// Which projections of which layers an adapter_config.json selects, resolved as PEFT does against Mistral's module
// names (model.layers.{i}.{self_attn|mlp}.{proj}): a list matches a module whose name equals an entry or ends with
// "." + entry; "all-linear" is every projection (PEFT leaves out only the output layer); any other string is a
// regex matched against the whole name (on a worker thread with a deadline: the pattern is untrusted input).
// Absent target_modules: PEFT's default for Mistral, q_proj and v_proj.
// exclude_modules (same forms) removes modules, layers_to_transform keeps only the listed layers.
import { UserError } from '../util/errors.ts';
import { SyncWorker } from '../util/sync-worker.ts';
import { hfModuleName } from './names.ts';
import { PROJECTIONS, type Projection } from './weights.ts';

/** PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING["mistral"]. */
const MISTRAL_DEFAULT_TARGETS = ['q_proj', 'v_proj'];

/** How long a target_modules regex may take to match all the model's module names (PEFT: Python's re.fullmatch). */
export const REGEX_MS = 2000;

/**
 * A matcher for a target_modules / exclude_modules value over the model's module `names`. With `mustMatch`, a
 * list entry or regex that selects none of them is an error: PEFT refuses target modules it cannot find.
 */
function matcher(key: string, value: unknown, where: string, names: readonly string[], mustMatch: boolean): (name: string) => boolean {
  const fail = (msg: string): never => {
    throw new UserError(`${key}: ${msg}`, where);
  };
  const none = `no projection of a Mistral layer (${PROJECTIONS.join(', ')})`;
  if (typeof value === 'string') {
    if (value === 'all-linear') return () => true;
    try {
      new RegExp(value);
    } catch (e) {
      return fail(`${JSON.stringify(value)} is not a regular expression (${(e as Error).message})`);
    }
    // the pattern comes from a file: a backtracking one ("(.*)*Z") could take years, so it runs on a worker
    // thread that is stopped at the deadline
    const worker = new SyncWorker<{ pattern: string; names: readonly string[] }, boolean[]>(new URL(import.meta.url), 'regexMatches', null, { heapMb: 64, startMs: 60_000 });
    let reply;
    try {
      reply = worker.call({ pattern: value, names }, REGEX_MS);
    } finally {
      worker.close();
    }
    if (reply === null) return fail(`the regular expression ${JSON.stringify(value)} took longer than ${REGEX_MS} ms to match the module names (nested quantifiers such as "(.*)*"?)`);
    if (!reply.ok) return fail(`${JSON.stringify(value)}: ${reply.message}`);
    const hits = reply.value;
    const selected = new Set(names.filter((_, i) => hits[i]));
    if (mustMatch && selected.size === 0) fail(`${JSON.stringify(value)} matches ${none}`);
    return (name) => selected.has(name);
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    return fail(`must be a list of module names or a string, got ${JSON.stringify(value)}`);
  }
  const entries = value as string[];
  const matches = (entry: string) => (name: string): boolean => name === entry || name.endsWith(`.${entry}`);
  for (const entry of entries) {
    if (mustMatch && !names.some(matches(entry))) fail(`"${entry}" names ${none}`);
  }
  return (name) => entries.some((e) => matches(e)(name));
}

/** The layers PEFT adapts: layers_to_transform (an index or a list) or all of them. */
function selectedLayers(value: unknown, numLayers: number, where: string): Set<number> {
  if (value === undefined || value === null) return new Set(Array.from({ length: numLayers }, (_, i) => i));
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) || !list.every((i) => Number.isInteger(i) && i >= 0 && i < numLayers)) {
    throw new UserError(`layers_to_transform: must be layer indices below ${numLayers}, got ${JSON.stringify(value)}`, where);
  }
  return new Set(list as number[]);
}

/** The (layer → projections) an adapter config selects; `where` is adapter_config.json, for errors. */
export function targetedModules(c: Readonly<Record<string, unknown>>, numLayers: number, where: string): Array<Set<Projection>> {
  const names = Array.from({ length: numLayers }, (_, i) => PROJECTIONS.map((p) => hfModuleName(i, p))).flat();
  const include = matcher('target_modules', c.target_modules ?? MISTRAL_DEFAULT_TARGETS, where, names, true);
  const exclude = c.exclude_modules === undefined || c.exclude_modules === null ? null : matcher('exclude_modules', c.exclude_modules, where, names, false);
  const layers = selectedLayers(c.layers_to_transform, numLayers, where);
  return Array.from({ length: numLayers }, (_, i) => new Set(PROJECTIONS.filter((p) => {
    const name = hfModuleName(i, p);
    return layers.has(i) && include(name) && !(exclude?.(name) ?? false);
  })));
}

/** SyncWorker's handler (on the worker thread): which of `names` the whole of `pattern` matches. */
export function regexMatches(): (req: { pattern: string; names: readonly string[] }) => boolean[] {
  return ({ pattern, names }) => {
    const re = new RegExp(`^(?:${pattern})$`);
    return names.map((n) => re.test(n));
  };
}
