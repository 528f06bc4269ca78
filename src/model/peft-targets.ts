// Which projections of which layers an adapter_config.json selects, resolved as PEFT does against Mistral's module
// names (model.layers.{i}.{self_attn|mlp}.{proj}): a list matches a module whose name equals an entry or ends with
// "." + entry; "all-linear" is every projection (PEFT leaves out only the output layer); any other string is a
// regex matched against the whole name (on a worker thread with a deadline: the pattern is untrusted input).
// Absent target_modules: PEFT's default for the base's model_type (peftDefaultTargets): q_proj and v_proj for Mistral and
// Llama; none for Ministral, where PEFT refuses the adapter, and so is it refused here.
// exclude_modules (same forms) removes modules, layers_to_transform keeps only the listed layers (of a list's suffix entries).
import * as path from 'node:path';
import { UserError } from '../util/errors.ts';
import { familyOfType } from './family.ts';
import { boundedJsonText } from '../util/bounded-json.ts';
import { firstMatches, pythonRegex, tooSlow } from './module-regex.ts';
import { hfModuleName, hfModuleNames } from './names.ts';
import { PROJECTIONS, type Projection } from './weights.ts';

/** PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING["mistral"] (and "llama"'s). */
export const MISTRAL_DEFAULT_TARGETS: readonly string[] = ['q_proj', 'v_proj'];

/**
 * PEFT 0.21's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING for a base of config.json's model_type (MistralConfig's
 * modelType: undefined for "mistral"): null for "ministral", which it has no entry for (get_peft_model and
 * PeftModel.from_pretrained raise "Please specify `target_modules` or `target_parameters`in `peft_config`").
 */
export function peftDefaultTargets(modelType: 'llama' | 'ministral' | undefined): readonly string[] | null {
  return modelType === 'ministral' ? null : MISTRAL_DEFAULT_TARGETS;
}

/** The error of target_modules absent (or null) on a base PEFT has no default list for (peftDefaultTargets). */
export function noDefaultTargets(modelType: string): string {
  return `target_modules: missing, and PEFT has no default for a base of model_type "${modelType}" (get_peft_model and PeftModel.from_pretrained refuse it: "Please specify \`target_modules\` or \`target_parameters\`in \`peft_config\`"): list the projections, such as ["q_proj", "v_proj"]`;
}

/** The error of a target_modules entry that is none of Mistral's projections ("lm_head", "embed_tokens"). */
export function namesNoProjection(entry: string): string {
  return `"${entry}" names no projection of a Mistral layer (${PROJECTIONS.join(', ')})`;
}

/**
 * A matcher for a target_modules / exclude_modules value over the model's module `names`. With `mustMatch`, a
 * list entry or regex that selects none of them is an error: PEFT refuses target modules it cannot find.
 */
function matcher(key: string, value: unknown, where: string, names: readonly string[], mustMatch: boolean): (name: string) => boolean {
  const fail = (msg: string): never => {
    throw new UserError(`${key}: ${msg}`, where);
  };
  const none = `no projection of a Mistral layer (${PROJECTIONS.join(', ')})`; // a regex's
  if (typeof value === 'string') {
    if (value === 'all-linear') return () => true;
    try {
      new RegExp(pythonRegex(value));
    } catch (e) {
      return fail(`${boundedJsonText(value)} is not a regular expression (${(e as Error).message})`);
    }
    // PEFT's re.fullmatch; the pattern comes from a file, so a backtracking one ("(.*)*Z") is stopped at a deadline
    const reply = firstMatches([value], (k) => `^(?:${pythonRegex(k)})$`, names);
    if (reply === null) return fail(tooSlow([value]));
    if (!reply.ok) return fail(`${boundedJsonText(value)}: ${reply.message}`);
    const hits = reply.value.map((i) => i === 0);
    const selected = new Set(names.filter((_, i) => hits[i]));
    if (mustMatch && selected.size === 0) fail(`${boundedJsonText(value)} matches ${none}`);
    return (name) => selected.has(name);
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    return fail(`must be a list of module names or a string, got ${boundedJsonText(value)}`);
  }
  const entries = value as string[];
  const matches = (entry: string) => (name: string): boolean => name === entry || name.endsWith(`.${entry}`);
  for (const entry of entries) {
    if (mustMatch && !names.some(matches(entry))) fail(namesNoProjection(entry));
  }
  return (name) => entries.some((e) => matches(e)(name));
}

/**
 * The modules (layer, name) in the layers PEFT adapts for a target_modules list: layers_to_transform (an index or a list;
 * an empty list or none: all of them), found in a module's name by layers_pattern (none: the first numbered part of the
 * name, Mistral's layer index). PEFT refuses both keys with a target_modules string (a regex or "all-linear") and
 * layers_pattern without layers_to_transform; null where every layer is adapted.
 */
function selectedLayers(c: Readonly<Record<string, unknown>>, numLayers: number, where: string): ((layer: number, name: string) => boolean) | null {
  const value = c.layers_to_transform, pattern = c.layers_pattern;
  const fail = (key: string, msg: string): never => {
    throw new UserError(`${key}: ${msg}`, where);
  };
  const given = (v: unknown): boolean => v !== undefined && v !== null;
  if (typeof c.target_modules === 'string') {
    for (const key of ['layers_to_transform', 'layers_pattern']) {
      if (given(c[key])) fail(key, `cannot be used with target_modules ${boundedJsonText(c.target_modules)}, a string (PEFT refuses it too)`);
    }
  }
  const patterns = typeof pattern === 'string' ? [pattern] : pattern;
  const nonEmpty = (v: unknown): boolean => given(v) && (typeof v === 'string' || Array.isArray(v) ? v.length > 0 : true);
  if (nonEmpty(pattern) && !given(value)) fail('layers_pattern', 'needs layers_to_transform (PEFT refuses it alone)');
  const list = typeof value === 'number' ? [value] : value;
  if (!given(list) || (Array.isArray(list) && list.length === 0)) return null; // PEFT: an empty list selects no layer, so all are adapted
  if (!Array.isArray(list) || !list.every((i) => Number.isInteger(i) && i >= 0 && i < numLayers)) {
    fail('layers_to_transform', `must be layer indices below ${numLayers}, got ${boundedJsonText(value)}`);
  }
  const chosen = new Set(list as number[]);
  if (!nonEmpty(pattern)) return (i) => chosen.has(i);
  // PEFT reads each entry as a regular expression, the layer index of a module being the number after the first that
  // re.match(rf"(?:^|.*?\.){entry}\.(?P<idx>\d+)\.", name) finds: "layers", and also "model.layers" or "lay.rs", find
  // Mistral's (refused before as not "layers"); a module none finds in is not adapted. Entries of word characters, dots
  // and hyphens are matched so here (Mistral's names hold one number, the layer's, so any index found is it); other
  // expressions are refused, not guessed at (PEFT's own "layers|h" finds none: the alternation takes in its anchors).
  if (!Array.isArray(patterns) || !patterns.every((p): p is string => typeof p === 'string')) {
    return fail('layers_pattern', `must be a string or a list of strings, got ${boundedJsonText(pattern)}`);
  }
  const odd = patterns.find((p) => !/^[\w.-]*$/.test(p));
  if (odd !== undefined) fail('layers_pattern', `${boundedJsonText(odd)} is a regular expression, which is not read here: write "layers", the name of Mistral's list of layers`);
  const res = patterns.map((p) => new RegExp(`^(?:.*?\\.)?${p}\\.\\d+\\.`));
  const finds = (name: string): boolean => res.some((re) => re.test(name));
  if (!hfModuleNames(numLayers).some(finds)) {
    fail('layers_pattern', `${boundedJsonText(pattern)} finds no layer index in Mistral's module names (${hfModuleName(0, 'q_proj')}, …): PEFT would adapt no module by it; write "layers"`);
  }
  return (i, name) => chosen.has(i) && finds(name);
}

/** The modules an adapter config selects, and for one it does not, which of its rules left it out. */
export interface ModuleSelection {
  /** layer → the projections selected in it */
  layers: Array<Set<Projection>>;
  /** The rule that leaves out projection `proj` of `layer` ("adapter_config.json's exclude_modules [...] leaves out"). */
  whyNot(layer: number, proj: Projection): string;
}

/**
 * The (layer → projections) an adapter config selects; `where` is adapter_config.json, for errors; `modelType` the
 * base's (MistralConfig's), whose PEFT default stands for target_modules left out.
 */
export function targetedModules(c: Readonly<Record<string, unknown>>, numLayers: number, where: string, modelType?: 'llama' | 'ministral'): ModuleSelection {
  const names = hfModuleNames(numLayers);
  const defaults = peftDefaultTargets(modelType);
  if ((c.target_modules === undefined || c.target_modules === null) && defaults === null) throw new UserError(noDefaultTargets(modelType!), where);
  const targets = c.target_modules ?? defaults!;
  const include = matcher('target_modules', targets, where, names, true);
  const exclude = c.exclude_modules === undefined || c.exclude_modules === null ? null : matcher('exclude_modules', c.exclude_modules, where, names, false);
  const layers = selectedLayers(c, numLayers, where);
  // as PEFT's check_target_module_exists: a list entry naming the module whole selects it in any layer
  const named = new Set(Array.isArray(targets) ? targets : []);
  const inLayers = (i: number, name: string): boolean => named.has(name) || layers === null || layers(i, name);
  const file = path.basename(where);
  return {
    layers: Array.from({ length: numLayers }, (_, i) => new Set(PROJECTIONS.filter((p) => {
      const name = hfModuleName(i, p);
      return include(name) && inLayers(i, name) && !(exclude?.(name) ?? false);
    }))),
    whyNot(i, p) {
      const name = hfModuleName(i, p);
      if (!include(name)) {
        const given = c.target_modules === undefined || c.target_modules === null ? ` (none given: PEFT's default for ${familyOfType(modelType)}, ${boundedJsonText(targets)})` : ` ${boundedJsonText(targets)}`;
        return `${file}'s target_modules${given} does not select`;
      }
      if (!inLayers(i, name)) return `${file}'s layers_to_transform ${boundedJsonText(c.layers_to_transform)} leaves out`;
      return `${file}'s exclude_modules ${boundedJsonText(c.exclude_modules)} leaves out`;
    },
  };
}
