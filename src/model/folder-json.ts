// How the loaders of a model or adapter folder's JSON files parse each of them, by its name: tokenizer.json by HF
// tokenizers' Rust reader (serde_json, which refuses NaN and Infinity), config.json by transformers' config reader
// (readConfigJson: json.loads, then its {"__float__": "NaN"} form), every other one (generation_config.json,
// tokenizer_config.json, special_tokens_map.json, adapter_config.json, …) by Python's json.load, which reads NaN,
// Infinity and -Infinity. A check that a folder's file loads, or a copy of it, parses it so.
import * as path from 'node:path';
import { parseJsonAsPythonLoads } from '../data/ingest/python-json.ts';
import { readJsonFile } from '../util/json-file.ts';
import { readConfigJson } from '../util/config-json.ts';

/** The parse the loader of a folder's JSON file named `name` applies to its text (config.json's tagged floats aside). */
export function folderJsonParse(name: string): (text: string) => unknown {
  return name === 'tokenizer.json' ? JSON.parse : parseJsonAsPythonLoads;
}

/** The JSON file `file` of a model or adapter folder parsed as its loader parses it; a UserError naming it where that refuses it. */
export function readFolderJson(file: string): unknown {
  const name = path.basename(file);
  return name === 'config.json' ? readConfigJson(file) : readJsonFile(file, folderJsonParse(name));
}
