// A PEFT adapter's rank_pattern and alpha_pattern: per-module ranks and alphas that override r and lora_alpha.
// PEFT 0.21 (tuners/lora/model.py, utils/other.py get_pattern_key) takes, for a module named like
// model.layers.3.self_attn.q_proj, the first key (in the file's order) for which re.match(rf"(.*\.)?({key})$", name)
// holds: a module's own name, a suffix of it at a dot ("q_proj", "self_attn.q_proj"), or a regular expression.
// An adapter with them is read by padding every module to the largest rank (zero rows of A, zero columns of B: the
// same product) and folding each module's own scaling into its B (peft.ts), so that one r and one scaling compute it.

import type { Projection } from './weights.ts';
import { isRecord } from '../util/json-file.ts';
import { boundedJsonText } from '../util/bounded-json.ts';
import { firstMatches, pythonRegex, tooSlow } from './module-regex.ts';
import { hfModuleName, hfModuleNames } from './names.ts';

/** A module's rank and alpha. */
export interface ModuleRank {
  r: number;
  alpha: number;
}

/**
 * The rank and alpha of each module, from r, lora_alpha and the two patterns; `patterned` when a key gives a module
 * another rank or alpha than r and lora_alpha (keys that repeat them, or match no module, leave it plain LoRA).
 */
export interface RankPatterns {
  patterned: boolean;
  of(layer: number, proj: Projection): ModuleRank;
}

type Err = (key: string, msg: string) => never;

/** Reads rank_pattern and alpha_pattern of adapter_config.json `c` (r and alpha already checked) for a model of `numLayers` layers. */
export function rankPatterns(c: Readonly<Record<string, unknown>>, r: number, alpha: number, numLayers: number, err: Err): RankPatterns {
  const names = hfModuleNames(numLayers);
  const ranks = patternOf(c, 'rank_pattern', (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1, 'an integer ≥ 1', names, err);
  const alphas = patternOf(c, 'alpha_pattern', (v) => typeof v === 'number' && v > 0 && Number.isFinite(v), 'a finite positive number', names, err);
  return {
    patterned: [...ranks.byName.values()].some((v) => v !== r) || [...alphas.byName.values()].some((v) => v !== alpha),
    of(layer, proj) {
      const name = hfModuleName(layer, proj);
      return { r: ranks.byName.get(name) ?? r, alpha: alphas.byName.get(name) ?? alpha };
    },
  };
}

/** How many keys pattern `key` has, and module name → the value of the first of them that matches it (a module none matches is absent). */
function patternOf(c: Readonly<Record<string, unknown>>, key: string, valid: (v: unknown) => boolean, what: string, names: readonly string[], err: Err): { keys: number; byName: Map<string, number> } {
  const p = c[key];
  if (p === undefined || p === null) return { keys: 0, byName: new Map() };
  if (!isRecord(p)) err(key, `must be an object of module names or patterns, got ${boundedJsonText(p)}`);
  const entries = Object.entries(p);
  if (entries.length === 0) return { keys: 0, byName: new Map() };
  // PEFT's pattern, its groups included (a key's \1 is the prefix there too)
  const pattern = (k: string): string => `^(.*\\.)?(${pythonRegex(k)})$`;
  for (const [k, v] of entries) {
    if (!valid(v)) err(`${key}["${k}"]`, `must be ${what}, got ${boundedJsonText(v)}`);
    try {
      new RegExp(pattern(k));
    } catch (e) {
      err(`${key}["${k}"]`, `is not a regular expression we can read: ${(e as Error).message}`);
    }
  }
  // the keys come from a file: one that backtracks ("(.*)*Z") is stopped at a deadline (module-regex.ts)
  const reply = firstMatches(entries.map(([k]) => k), pattern, names);
  if (reply === null) return err(key, tooSlow(entries.map(([k]) => k)));
  if (!reply.ok) return err(key, reply.message);
  const first = reply.value;
  return { keys: entries.length, byName: new Map(names.flatMap((name, i) => (first[i]! < 0 ? [] : [[name, entries[first[i]!]![1] as number]]))) };
}
