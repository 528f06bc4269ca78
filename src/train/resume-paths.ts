// `train RUN --resume` reads the run's own config.yaml, which names the model folder and the data files where they were
// when the run started. One of them gone from there (a project folder moved, or copied to another machine) is said with
// the way on for a resume: set the key in that config.yaml to where it now is (the checkpoint's fingerprints then tell the
// same data or weights from other ones), not the hint for a new config's missing file (`mistral-tune prepare … makes it`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_LAYOUT } from '../run/layout.ts';
import { keyError, placeOf } from './config-paths.ts';
import type { TrainConfig } from './config.ts';
import type { OptionWords } from '../util/option-words.ts';

/** The keys whose paths a resume goes on from where they now are (resumeChanges: a model folder or data file moved). */
const MOVABLE = ['model', 'data.train', 'data.val', 'data.test'] as const;

/**
 * Throws, at the key's line, for a model folder or data file that the run's own config.yaml (the config `cfg` was read
 * from, as `places` say) names and that is not there; does nothing for a config file of the user's, whose missing paths
 * the usual checks name (checkConfigPaths).
 */
export function checkRunConfigPaths(cfg: TrainConfig, places: Readonly<Record<string, string>> | undefined, words: OptionWords): void {
  const place = placeOf(places);
  const own = path.join(cfg.output_dir, RUN_LAYOUT.config);
  for (const key of MOVABLE) {
    const p = key === 'model' ? (typeof cfg.model === 'string' ? cfg.model : null) : cfg.data[key.slice('data.'.length) as 'train' | 'val' | 'test'];
    const where = places?.[key];
    if (p === null || where === undefined || fs.existsSync(p)) continue;
    const file = where.replace(/:\d+:\d+$/, ''); // file:line:column
    if (!sameFile(file, own)) continue;
    const again = words.cli ? 'or resume with the config file that names it: mistral-tune train CONFIG --resume' : 'or resume with a config that names it';
    throw keyError(key, `${p}: ${key === 'model' ? 'model folder not found' : 'no such file'} (the run's ${RUN_LAYOUT.config} names it where it was when the run ` +
      `started: if it moved, set ${key} in ${file} to where it now is, ${again})`, place);
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}
