// The GGUF keys llama.cpp's convert_hf_to_gguf.py writes from a model folder's model card (README.md's YAML front
// matter), so that a model exported as it is carries the same name, license, tags, languages and base models in our file
// as in theirs. Our own TypeScript equivalent of gguf-py's gguf/metadata.py (github.com/ggml-org/llama.cpp, MIT, read at
// commit 18f4bb5): Metadata.load_model_card (the front matter: the lines between a first line "---" and the next "---",
// tabs as two spaces), the model-card part of apply_metadata_heuristic (name, author, version, organization,
// description, finetune, basename, size_label and their model_* spellings, which win over what the ids say; url, doi,
// uuid, repo_url as general.source.*; base_model, base_models or base_model_sources; datasets, dataset or
// dataset_sources; license, license_name, license_link; tags + pipeline_tag; languages + language) and
// set_gguf_meta_model (a license list joined by ","; base model and dataset entries numbered general.base_model.N.*,
// general.dataset.N.*). Sampling defaults come from generation_config.json there, not from the card: not written.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { withIo } from '../../util/atomic.ts';
import { isRecord } from '../../util/json-file.ts';
import { warn } from '../../util/log.ts';
import { MAX_DEPTH, tooDeep } from '../../util/yaml-plain.ts';
import type { GgufValue } from './gguf-file.ts';
import { modelIdParts } from './model-name.ts';

/** A model card's front matter as a mapping; {} when the folder has no card, or a card without front matter. */
export function readModelCard(dir: string): Record<string, unknown> {
  const file = path.join(dir, 'README.md');
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return {};
  // Python's str.splitlines(): every line break it knows, not only \n
  const bytes = withIo(file, 'read the model card', () => fs.readFileSync(file));
  // gguf-py reads the card as UTF-8 and fails on other bytes: a Latin-1 card's name or license is not written with U+FFFD
  if (!isUtf8(bytes)) {
    warn(`${file}: it is not UTF-8 text: the GGUF file takes no name, license or tags from it`);
    return {};
  }
  const lines = bytes.toString('utf8').split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/);
  if (lines[0] !== '---') return {};
  const end = lines.indexOf('---', 1);
  const text = (end < 0 ? lines.slice(1) : lines.slice(1, end)).join('\n').replaceAll('\t', '  ');
  // nesting the yaml parser would recurse through until its stack overflows (a few KiB of "- - - …"), after which a
  // second parse can crash node: found on its token tree first, and read as a card without front matter
  if (tooDeep(text) !== null) {
    warn(`${file}: its front matter nests lists or mappings more than ${MAX_DEPTH} deep: the GGUF file takes no name, license or tags from it`);
    return {};
  }
  try {
    const doc = YAML.parseDocument(text);
    if (doc.errors.length > 0) throw doc.errors[0]!;
    // a value YAML reads as a number is the text the user wrote: `version: 1.0` is "1.0", which the number 1 would print
    // as "1" (and Python's float, which gguf-py prints, "1.10" as "1.1"), `size_label: 7e9` stays "7e9". Every value
    // read here is written as a string (text()), so what was written is what is meant.
    YAML.visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'number' && node.source !== undefined) node.value = node.source;
      },
    });
    const data: unknown = doc.toJS();
    return isRecord(data) ? data : {};
  } catch (e) {
    // not a reason to refuse the export: the file is named by the folder and config.json as it would be without a card
    warn(`${file}: its front matter is not YAML (${(e as Error).message.split('\n')[0]}): the GGUF file takes no name, license or tags from it`);
    return {};
  }
}

const str = (value: string): GgufValue => ({ type: 'string', value });

/** A YAML scalar as the text gguf-py would write (Python's str of it); null for none. */
function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 'True' : 'False') : typeof v === 'number' ? String(v) : null;
}

/** A card value that may be one string or a list of them, as a list (use_array_model_card_metadata). */
function list(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.map(text).filter((s): s is string => s !== null) : [];
}

/** A base model or dataset entry of the card (a hub id, a URL or a mapping) as gguf-py's fields of it (alike for both). */
function baseModelEntry(id: unknown, totalParams: number): Record<string, string> {
  if (isRecord(id)) return Object.fromEntries(Object.entries(id).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));
  if (typeof id !== 'string') return {};
  const entry: Record<string, string> = {};
  const url = /^(https?|ssh):\/\//.test(id);
  const hubId = url ? /^https?:\/\/huggingface\.co\/([^/]+\/[^/]+)$/.exec(id)?.[1] ?? null : id;
  if (url) entry.repo_url = id;
  if (hubId === null) return entry;
  const parts = modelIdParts(hubId, totalParams);
  if (parts.name !== null) entry.name = parts.name;
  if (parts.organization !== null) entry.organization = parts.organization;
  if (parts.version !== null) entry.version = parts.version;
  // a hub id (not a URL, not a sentence) is linked by its own org and name, as written
  const slash = hubId.indexOf('/');
  if (!url && !hubId.includes(' ') && slash >= 0 && !hubId.startsWith('.')) entry.repo_url = `https://huggingface.co/${hubId.slice(0, slash)}/${hubId.slice(slash + 1)}`;
  return entry;
}

/** The fields of a base model or dataset entry gguf-py writes, in its order (general.base_model.N.<field>). */
const ENTRY_FIELDS = ['name', 'author', 'version', 'organization', 'description', 'url', 'doi', 'uuid', 'repo_url'];

/**
 * The card keys of each field that wins over what the ids say, in use_model_card_metadata's order (the first present
 * with a value sets it): llama.cpp's own spelling, then model_*, then the hub's model_creator and model_type.
 */
const CARD_FIELDS = {
  author: ['author', 'model_author', 'model_creator'], version: ['version', 'model_version'],
  organization: ['organization', 'model_organization'], finetune: ['finetune', 'model_finetune'],
  basename: ['basename', 'model_basename', 'model_type'], description: ['description', 'model_description'],
  size_label: ['size_label', 'model_size_label'],
} as const;
export type CardField = keyof typeof CARD_FIELDS;

/** The card keys written as general.source.* (where the model converted came from), in the same order. */
const SOURCE_FIELDS = { url: ['url', 'model_url'], doi: ['doi', 'model_doi'], uuid: ['uuid', 'model_uuid'], repo_url: ['repo_url', 'model_repo_url'] } as const;

export interface CardMetadata {
  /** The card's `name`, else `model_name`; null: none, the ids name it. */
  name: string | null;
  /** general.<field> as the card gives it (null: not given, the ids or our own say; "": given empty, none written). */
  fields: Record<CardField, string | null>;
  /** general.license*, general.source.*, general.base_model.*, general.dataset.*, general.tags, general.languages. */
  keys: Map<string, GgufValue>;
}

/** What `card` gives a file of `totalParams` parameters (see CardMetadata). */
export function modelCardMetadata(card: Readonly<Record<string, unknown>>, totalParams: number): CardMetadata {
  const m = new Map<string, GgufValue>();
  // gguf-py's add_string writes no empty string
  const put = (key: string, value: string | null | undefined): void => {
    if (value) m.set(key, str(value));
  };
  // use_model_card_metadata: the first key present with a value sets it
  const first = (...keys: string[]): unknown => keys.map((k) => card[k]).find((v) => v !== undefined && v !== null);
  const fields = Object.fromEntries(Object.entries(CARD_FIELDS).map(([f, keys]) => [f, text(first(...keys))])) as Record<CardField, string | null>;
  for (const [f, keys] of Object.entries(SOURCE_FIELDS)) put(`general.source.${f}`, text(first(...keys)));
  // the first of the three keys present gives the list, even a null one (then a count of 0, as gguf-py writes)
  const entries = (keys: readonly string[], prefix: string): void => {
    const key = keys.find((k) => k in card);
    if (key === undefined) return;
    const value = card[key];
    const all = (typeof value === 'string' ? [value] : Array.isArray(value) ? value : []).map((b: unknown) => baseModelEntry(b, totalParams));
    m.set(`${prefix}.count`, { type: 'u32', value: all.length });
    all.forEach((e, i) => {
      for (const f of ENTRY_FIELDS) put(`${prefix}.${i}.${f}`, e[f]);
    });
  };
  entries(['base_model', 'base_models', 'base_model_sources'], 'general.base_model');
  entries(['datasets', 'dataset', 'dataset_sources'], 'general.dataset');
  const license = card.license;
  put('general.license', Array.isArray(license) ? list(license).join(',') : text(license));
  // gguf-py's keys for these: general.license.name, general.license.link
  put('general.license.name', text(card.license_name));
  put('general.license.link', text(card.license_link));
  const tags = [...list(card.tags), ...list(card.pipeline_tag)];
  if (card.tags != null || card.pipeline_tag != null) m.set('general.tags', { type: 'string[]', value: tags });
  const languages = [...list(card.languages), ...list(card.language)];
  if (card.languages != null || card.language != null) m.set('general.languages', { type: 'string[]', value: languages });
  return { name: text(first('name', 'model_name')) || null, fields, keys: m };
}
