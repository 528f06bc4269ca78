// A model folder's safetensors checkpoint as transformers reads it: one model.safetensors, or the shards that
// model.safetensors.index.json lists (each a SafetensorsFile, safetensors.ts), read by tensor name.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { needPath } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { fileIsThere } from '../util/file-is-there.ts';
import { readJsonFile } from '../util/json-file.ts';
import { warnOnce } from '../util/log.ts';
import { SafetensorsFile, type TensorInfo } from './safetensors.ts';
import { weightFilesThere } from './weight-files-there.ts';
import { boundedJsonText, boundedText } from '../util/bounded-json.ts';

/** A checkpoint folder: either one model.safetensors or shards listed by model.safetensors.index.json. */
export class SafetensorsCheckpoint {
  private readonly files = new Map<string, SafetensorsFile>();
  /** The tensors the index lists that none of its shards holds (each with the shard it names), and the index's path. */
  private listedAbsent: { index: string; shards: ReadonlyMap<string, string> } | null = null;
  private constructor(readonly dir: string, private readonly weightMap: ReadonlyMap<string, string>) {}

  /**
   * Opens `dir/<prefix>.safetensors` if present, else the shards `dir/<prefix>.safetensors.index.json` lists: the order
   * transformers' from_pretrained takes them in. A folder holding both (a save_pretrained into the folder of an earlier
   * save leaves the other's index or single file behind) is said in a warning, once.
   */
  static open(dir: string, prefix = 'model'): SafetensorsCheckpoint {
    needPath('SafetensorsCheckpoint.open', 'the model folder', dir, 'folder', 'the path of a folder with model.safetensors (or its index and shards)');
    const indexPath = path.join(dir, `${prefix}.safetensors.index.json`);
    const singlePath = path.join(dir, `${prefix}.safetensors`);
    const [hasSingle, hasIndex] = weightFilesThere(singlePath, indexPath);
    // once a folder: a command opens its model more than once
    if (hasSingle && hasIndex) {
      warnOnce(`both weight files\0${path.resolve(dir)}`, `${dir}: holds both ${prefix}.safetensors and ${prefix}.safetensors.index.json: ${prefix}.safetensors is read, as transformers ` +
        `reads it, and the index's shards are not; delete the one that is not the model`);
    }
    if (!hasSingle && hasIndex) {
      const index = readJsonFile(indexPath);
      const wm = typeof index === 'object' && index !== null ? (index as { weight_map?: unknown }).weight_map : undefined;
      if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) {
        throw new UserError('missing "weight_map" object', indexPath);
      }
      const map = new Map<string, string>();
      const spelled = new Map<string, string>(); // each shard name as the index spells it: the shard it names (shardPath)
      for (const [tensor, shard] of Object.entries(wm as Record<string, unknown>)) {
        map.set(tensor, shardPath(shard, `weight_map["${tensor}"]`, indexPath));
        spelled.set(shard as string, map.get(tensor)!);
      }
      const ckpt = new SafetensorsCheckpoint(dir, map);
      try {
        const shards = shardOrder(spelled);
        for (const shard of shards) {
          if (!fileIsThere(path.join(dir, shard))) {
            const first = [...map].find(([, s]) => s === shard)![0];
            throw new UserError(`shard ${shard} (which should hold "${boundedText(first)}") is missing from ${dir}`, indexPath);
          }
        }
        // transformers 5.17 reads every tensor of the shards the index names (the weight_map only says which files), in
        // the shards' order, each shard's tensors replacing the earlier shards': a stale index's tensor that it leaves
        // out, or places in another of its shards, is read where it is, and one that two shards hold from the last
        const held = new Map<string, string>();
        const twice: [string, string, string][] = [];
        for (const shard of shards) {
          for (const tensor of ckpt.shard(shard).names()) {
            const before = held.get(tensor);
            if (before !== undefined) twice.push([tensor, before, shard]);
            held.set(tensor, shard);
          }
        }
        for (const [tensor, shard] of held) map.set(tensor, shard);
        if (twice.length > 0) {
          const [tensor, first, last] = twice[0]!;
          const count = new Set(twice.map(([t]) => t)).size;
          // once a folder: a command opens its model more than once
          warnOnce(`shards twice\0${path.resolve(indexPath)}`, `${indexPath}: ${count} tensor${count === 1 ? ' is' : 's are'} in more than one shard, e.g. "${boundedText(tensor)}" in ${first} and ${last}: ` +
            'each is read from the last of its shards by name, as transformers reads them (a shard of another save left in the folder?)');
        }
        // a tensor the index lists that none of its shards holds (a stale or hand-edited index) is no tensor to transformers
        // 5.17, which loads the folder without it: left out, with a warning, so that an unused one (a rotary inv_freq) is
        // no error, and a weight the model needs is refused by name as it loads ("not found in the checkpoint", naming the
        // index and the shard: absentNote)
        const absent = [...map].filter(([tensor, shard]) => !ckpt.shard(shard).has(tensor));
        for (const [tensor] of absent) map.delete(tensor);
        if (absent.length > 0) {
          ckpt.listedAbsent = { index: indexPath, shards: new Map(absent) };
          const [tensor, shard] = absent[0]!;
          warnOnce(`listed absent\0${path.resolve(indexPath)}`, `${indexPath}: lists ${absent.length} tensor${absent.length === 1 ? '' : 's'} that none of its shards holds, e.g. "${boundedText(tensor)}" in ${shard}: ` +
            'left out, as transformers leaves them out (a stale index?)');
        }
      } catch (e) {
        ckpt.close();
        throw e;
      }
      // transformers 5.17 refuses an index without a "metadata" object (KeyError: 'metadata'; one that is no object, a
      // TypeError as it sets a key in it), though nothing in it is needed: read here, which is friendlier (a hand-made
      // index, another tool's), with a warning, since a base model or merged model that loads here and not in
      // transformers is to be known before the adapter is shipped
      const metadata = (index as { metadata?: unknown }).metadata;
      if (metadata === undefined) {
        warnOnce(`no metadata\0${path.resolve(indexPath)}`, `${indexPath}: has no "metadata" object: read here, but transformers 5.17 refuses the folder ` +
          `(KeyError: 'metadata'); add "metadata": {} to the index for it to load there`);
      } else if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
        const shown = metadata === null ? 'null' : Array.isArray(metadata) ? 'a list' : `a ${typeof metadata}`;
        warnOnce(`no metadata\0${path.resolve(indexPath)}`, `${indexPath}: its "metadata" is ${shown}, not an object: read here, but transformers 5.17 ` +
          'refuses the folder (TypeError); make it "metadata": {} for it to load there');
      }
      return ckpt;
    }
    if (!fs.existsSync(singlePath)) {
      // Mistral's releases also ship mistral-inference's own file, whose tensors have other names (layers.0.attention.wq…)
      throw new UserError(`model weights not found: the folder has neither ${prefix}.safetensors nor ${prefix}.safetensors.index.json${otherWeightsHint(dir, prefix)}`, dir);
    }
    const f = SafetensorsFile.open(singlePath);
    const ckpt = new SafetensorsCheckpoint(dir, new Map(f.names().map((n) => [n, `${prefix}.safetensors`])));
    ckpt.files.set(`${prefix}.safetensors`, f);
    return ckpt;
  }

  private shard(name: string): SafetensorsFile {
    let f = this.files.get(name);
    if (!f) {
      f = SafetensorsFile.open(path.join(this.dir, name));
      this.files.set(name, f);
    }
    return f;
  }

  names(): string[] {
    return [...this.weightMap.keys()];
  }

  has(name: string): boolean {
    return this.weightMap.has(name);
  }

  /** The file that holds `name`; throws naming the checkpoint if the tensor is absent. */
  fileOf(name: string): SafetensorsFile {
    const shard = this.weightMap.get(name);
    if (!shard) throw new UserError(`tensor "${name}" not found in the checkpoint${this.absentNote(name)}`, this.dir);
    return this.shard(shard);
  }

  /**
   * Where the index lists `name` though none of its shards holds it, the rest of a "not found" sentence naming the index
   * and the shard (the open's warning gave one example of several); '' otherwise.
   */
  absentNote(name: string): string {
    const shard = this.listedAbsent?.shards.get(name);
    return shard === undefined ? '' : `: ${this.listedAbsent!.index} lists it in ${shard}, which does not hold it (nor does any other shard the index names)`;
  }

  info(name: string): TensorInfo {
    return this.fileOf(name).info(name);
  }

  readF32(name: string): Float32Array {
    return this.fileOf(name).readF32(name);
  }

  close(): void {
    for (const f of this.files.values()) f.close();
    this.files.clear();
  }
}

/**
 * The shards in the order transformers 5.17 opens them, each one's tensors replacing those opened before (which copy of a
 * tensor two shards hold is read): sorted(set(weight_map.values())), Python's code-point order (UTF-8 byte order) of the
 * names as the index spells them, joined to the folder; a shard spelled two ways ('./a' and 'a') is opened twice, so it
 * stands at its last spelling. So './b' goes before 'a' (a tensor both hold is read from a), and of './b', 'a' and 'b', b
 * is last. `spelled`: each spelling, the shard it names.
 */
function shardOrder(spelled: ReadonlyMap<string, string>): string[] {
  const opened = [...spelled.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((s) => spelled.get(s)!);
  return opened.filter((shard, i) => opened.lastIndexOf(shard) === i);
}

/**
 * A shard's path in the model folder as the index names it: transformers 5.17 joins the name to the folder
 * (os.path.join), so './model-00001-of-00002.safetensors' and a sub-folder's 'shards/x.safetensors' are read there, as
 * here ('.' and empty segments dropped: './shards/./x' is 'shards/x'). A name that leaves the folder ('..', an absolute
 * path) is refused, though transformers reads it: the folder is the model, copied and checked as one. Throws naming `key`.
 */
function shardPath(name: unknown, key: string, indexPath: string): string {
  if (typeof name === 'string' && (name.startsWith('/') || name.split('/').includes('..'))) {
    throw new UserError(`${key} is ${boundedJsonText(name)}, a file outside the model folder: mistral-tune reads shards only inside it (move the shard into the folder and name it there)`, indexPath);
  }
  const segments = typeof name === 'string' && !name.includes('\\') && !name.endsWith('/') ? name.split('/').filter((s) => s !== '' && s !== '.') : [];
  if (segments.length === 0) throw new UserError(`${key} is not a shard file name`, indexPath);
  return segments.join('/');
}

/**
 * What a folder without safetensors weights holds instead, as the rest of a sentence ('' for nothing known): Mistral's
 * releases also ship mistral-inference's own file, whose tensors have other names (layers.0.attention.wq…); older
 * models ship PyTorch's pickled pytorch_model.bin (or its shards and their index), which transformers loads where no
 * safetensors are there.
 */
function otherWeightsHint(dir: string, prefix: string): string {
  if (prefix !== 'model') return '';
  if (fs.existsSync(path.join(dir, 'consolidated.safetensors'))) {
    return ': consolidated.safetensors is mistral-inference\'s format, not transformers\' (fetch the model-*.safetensors files and their index, or convert it with transformers\' convert_mistral_weights_to_hf.py)';
  }
  const bin = ['pytorch_model.bin', 'pytorch_model.bin.index.json'].find((f) => fs.existsSync(path.join(dir, f)));
  if (bin === undefined) return '';
  return `: ${bin} ${bin.endsWith('.json') ? 'lists .bin shards in' : 'is in'} PyTorch's pickle format, which mistral-tune does not read (convert it to safetensors: load the folder with transformers' from_pretrained and save it with save_pretrained, which writes its weights as safetensors)`;
}

/**
 * `read` of model folder `dir`'s safetensors headers (no weight read); undefined for a folder without its weights
 * (config.json alone, to see whether a model fits before fetching it) or with weights that cannot be opened, which
 * loading it refuses in its own words.
 */
export function fromCheckpointHeader<T>(dir: string, read: (ckpt: SafetensorsCheckpoint) => T): T | undefined {
  let ckpt: SafetensorsCheckpoint;
  try {
    ckpt = SafetensorsCheckpoint.open(dir);
  } catch (e) {
    if (e instanceof UserError) return undefined;
    throw e;
  }
  try {
    return read(ckpt);
  } finally {
    ckpt.close();
  }
}
