// A LoraSpec given by a library caller (createAdapter), checked before any buffer is allocated: from plain JavaScript,
// or with a computed rank, an r of 0 or 1.5 or a misspelt target made empty or fractional buffers, or threw a bare
// Error from inside allocateLora.
import { needArg, needOneOf, refuseMisspelledKeys } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { LORA_BIASES, type LoraSpec } from './lora.ts';
import { PROJECTIONS } from './weights.ts';

const EXAMPLE = "{r: 8, alpha: 16, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: false}";
const SPEC_KEYS = ['r', 'alpha', 'dropout', 'targets', 'useRslora', 'useDora', 'bias', 'initLoraWeights'] as const satisfies ReadonlyArray<keyof LoraSpec>;

/** Throws a UserError naming `fn` and the field unless `spec` is a LoraSpec that an adapter can be built from. */
export function checkLoraSpec(fn: string, spec: LoraSpec): void {
  needArg(fn, 'spec', spec, 'object', { hint: `an object such as ${EXAMPLE}` });
  // PEFT's names (use_dora, lora_alpha) were let be: use_dora: true made a plain LoRA adapter
  refuseMisspelledKeys(fn, 'spec', spec, SPEC_KEYS, { lora_alpha: 'write spec.alpha', lora_dropout: 'write spec.dropout', target_modules: 'write spec.targets' });
  const bad = (what: string): never => { throw new UserError(what, fn); };
  if (!(Number.isSafeInteger(spec.r) && spec.r > 0)) bad(`spec.r is ${JSON.stringify(spec.r) ?? 'missing'}: give the rank, a positive integer such as 8`);
  if (!(typeof spec.alpha === 'number' && Number.isFinite(spec.alpha) && spec.alpha > 0)) bad(`spec.alpha is ${JSON.stringify(spec.alpha) ?? 'missing'}: give a positive number such as 16 (the scaling is alpha / r)`);
  if (!(typeof spec.dropout === 'number' && spec.dropout >= 0 && spec.dropout < 1)) bad(`spec.dropout is ${JSON.stringify(spec.dropout) ?? 'missing'}: give a number in [0, 1), such as 0`);
  needArg(fn, 'spec.targets', spec.targets, 'string[]', { hint: `a list of projections from ${PROJECTIONS.join(', ')}` });
  const unknown = spec.targets.find((t) => !(PROJECTIONS as readonly string[]).includes(t));
  if (unknown !== undefined) bad(`spec.targets names "${unknown}", which is no projection: give some of ${PROJECTIONS.join(', ')}`);
  if (spec.targets.length === 0) bad(`spec.targets is empty: give some of ${PROJECTIONS.join(', ')}`);
  if (new Set(spec.targets).size !== spec.targets.length) bad('spec.targets names a projection twice: give each once');
  needArg(fn, 'spec.useRslora', spec.useRslora, 'boolean');
  if (spec.useDora !== undefined) needArg(fn, 'spec.useDora', spec.useDora, 'boolean');
  if (spec.bias !== undefined) needOneOf(fn, 'spec.bias', spec.bias, LORA_BIASES);
  // written to adapter_config.json: another value would say the factors were drawn as they were not
  if (spec.initLoraWeights !== undefined && spec.initLoraWeights !== true) bad(`spec.initLoraWeights is ${JSON.stringify(spec.initLoraWeights)}: ${fn} initialises as PEFT's init_lora_weights true (A Kaiming-uniform, B zero): leave it out`);
}
