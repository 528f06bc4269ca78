// What to say of a model folder that is not there, for every command alike (train's model, --model of generate, eval,
// classify and export): the quickstart's model is made by `mistral-tune quickstart`; a Hugging Face Hub id written as
// a path is read from files, not the Hub, and where huggingface_hub's cache already holds the model, its snapshot
// folder is the one to give. Nothing is downloaded. Also the cache's own folder of a model (models--OWNER--NAME),
// given as the model: its snapshot is.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { QUICKSTART_LAYOUT } from '../run/layout.ts';

/**
 * huggingface_hub's cache folder, as its constants.py finds it: HF_HUB_CACHE, else the legacy HUGGINGFACE_HUB_CACHE,
 * else HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub (a leading ~ expanded).
 */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = (p: string): string => (p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p);
  const hfHome = home(env.HF_HOME ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'huggingface'));
  return home(env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? path.join(hfHome, 'hub'));
}

/**
 * The snapshot of a cache repo folder (models--OWNER--NAME) to give as the model: the revision refs/main names, else
 * the only one; a snapshot without config.json (a download cut short) is none. `several`: how many there are where
 * no one of them is chosen.
 */
function snapshotOf(repo: string): { snapshot: string } | { several: string[] } | null {
  const dir = path.join(repo, 'snapshots');
  let revisions: string[];
  try {
    revisions = fs.readdirSync(dir).sort().filter((r) => fs.existsSync(path.join(dir, r, 'config.json')));
  } catch {
    return null;
  }
  let main = '';
  try {
    main = fs.readFileSync(path.join(repo, 'refs', 'main'), 'utf8').trim();
  } catch {
    // no refs/main (a revision downloaded by its hash): the only snapshot, if one
  }
  if (revisions.includes(main)) return { snapshot: path.join(dir, main) };
  if (revisions.length === 1) return { snapshot: path.join(dir, revisions[0]!) };
  return revisions.length === 0 ? null : { several: revisions.map((r) => path.join(dir, r)) };
}

/** What to give instead of a cache repo folder, in words; null when it holds no usable snapshot. */
function snapshotAdvice(repo: string, id: string): string | null {
  const found = snapshotOf(repo);
  if (found === null) return null;
  if ('snapshot' in found) return `the Hugging Face cache holds ${id}: give its snapshot folder, ${found.snapshot}`;
  return `the Hugging Face cache holds ${found.several.length} revisions of ${id} and no refs/main among them: give one snapshot folder, such as ${found.several[0]}`;
}

/**
 * A hint for the model folder `missing` that is not there (without its leading separator), or '': the quickstart's
 * model (`runs/quickstart/model`, what examples/ name); a path that is a Hub id as written (OWNER/NAME: no OWNER
 * folder, though the folder above it is there), with the cache's snapshot of it where the cache holds one. A Hub id is
 * written relative, as OWNER/NAME alone: its OWNER/NAME lies right in a folder of `readFrom`, those its relative paths were
 * read from (the current folder for a flag or a library call's path, the default; a config file's folder for its keys). A
 * longer path (`../runs/x/model`, `/home/me/models/Mistral-7B-v0.1`, `/models/Mistral-7B-v0.1`) is no Hub id.
 */
export function missingModelHint(missing: string, readFrom: readonly string[] = [process.cwd()]): string {
  if (missing.endsWith(path.join(path.sep + 'quickstart', QUICKSTART_LAYOUT.model))) return '`mistral-tune quickstart` makes this one: run it first';
  const resolved = path.resolve(missing);
  const id = resolved.split(path.sep).slice(-2).join('/');
  const owner = path.dirname(resolved);
  // an absolute path deep in folders (`/home/me/models/Mistral-7B`) was told to be the Hub id models/Mistral-7B, as `../x/model` once was
  if (!readFrom.some((f) => path.resolve(f) === path.dirname(owner))) return '';
  if (!/^[\w.-]+\/[\w.-]+$/.test(id) || fs.existsSync(owner) || !fs.existsSync(path.dirname(owner))) return '';
  const cached = snapshotAdvice(path.join(hubCacheDir(), `models--${id.replace('/', '--')}`), id);
  return cached ?? `if ${id} is a Hugging Face Hub id, download its files from https://huggingface.co/${id} into a folder and give that folder`;
}

/** For a folder without config.json that is the cache's folder of a model (models--OWNER--NAME): its snapshot to give, or ''. */
export function cacheRepoHint(dir: string): string {
  const m = /^models--([\w.-]+?)--([\w.-]+)$/.exec(path.basename(path.resolve(dir)));
  if (m === null || !fs.existsSync(path.join(dir, 'snapshots'))) return '';
  return snapshotAdvice(dir, `${m[1]}/${m[2]}`) ?? `the Hugging Face cache's folder of ${m[1]}/${m[2]} holds no snapshot with a config.json (a download cut short?)`;
}
