// Where an adapter folder's adapter_config.json is, or why it is not there, in the one wording every command uses (a
// training run's folder given for its adapter named as such). Its own module: export's flag checks (export-flags.ts)
// use it before the library loads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointFolderHint, runWeightsDir } from '../run/layout.ts';
import { withIo } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { shellPath } from '../util/shell-quote.ts';
import { requireAdapterFolder } from './config.ts';

/**
 * The path of adapter folder `dir`'s adapter_config.json; a missing folder, or a folder without one, is an error, which
 * for a training run's folder given for its adapter (--adapter runs/lora, lora.init_from: runs/lora), the commonest
 * slip, names what to give; a folder that cannot be read (EACCES, ENOTDIR) is named with the reason. A model folder
 * (config.json: a merged export, a base) given for an adapter is said to be one, with `asModel`: how the caller's
 * command takes it as its model (`give it as --model DIR instead`).
 */
export function adapterConfigPath(dir: string, asModel = `give it as --model ${shellPath(dir)} instead`): string {
  requireAdapterFolder(dir); // missing, or a .gguf export given for its folder: said so, not as its adapter_config.json missing or ENOTDIR
  const cfgPath = path.join(dir, 'adapter_config.json');
  // not existsSync, which says false for a folder that cannot be entered (EACCES) as for one without the file
  if (!withIo(dir, 'read the adapter folder', () => fs.statSync(cfgPath, { throwIfNoEntry: false }))) {
    const runAdapter = runWeightsDir(dir, 'lora', false);
    const inRun = fs.existsSync(path.join(runAdapter, 'adapter_config.json'));
    throw new UserError(`adapter config not found (a PEFT adapter folder needs adapter_config.json)${inRun
      ? `: this is a training run's folder, whose adapter is ${runAdapter} (eval, generate and classify also take --run)`
      : fs.existsSync(path.join(dir, 'config.json')) ? `: this is a model folder (config.json), not a PEFT adapter: ${asModel}` : checkpointFolderHint(dir)}`, cfgPath);
  }
  return cfgPath;
}
