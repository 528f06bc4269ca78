// A file given where a run folder is wanted (export/eval's --run, the dashboard's runs): said to be a file, and where it
// is a training config, the folder its train writes (its output_dir), the run the user most likely meant.
import * as path from 'node:path';
import { readYamlMapping } from './config-yaml.ts';

/** The error text for the file `file` given where a run folder is wanted; `takes`: what the option takes instead. */
export function fileAsRunText(file: string, takes: string): string {
  return `a file, not a run directory: ${takes}${trainedInto(file)}`;
}

/** For a YAML file: ` (this config's output_dir: DIR)`, resolved from its folder as train reads it; else ''. */
function trainedInto(file: string): string {
  if (!/\.ya?ml$/i.test(file)) return '';
  try {
    const out = readYamlMapping(file).output_dir;
    return typeof out === 'string' && out !== '' ? ` (this config's output_dir: ${path.resolve(path.dirname(file), out)})` : ' (a training config\'s output_dir)';
  } catch {
    return '';
  }
}
