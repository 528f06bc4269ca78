// mistral-tune prepare's usage and the checks of its flags: every one made before prepare.ts (its thread, the out
// folder's handling) loads, and before the tokenizer, on prepare's thread, loads.
import { DEFAULTS, refuseNoTrainShare, refuseUnusedOptions, type DedupMode } from '../data/prepare-options.ts';
import { FORMATS, TEXT_SPLITS, type Format, type TextSplit } from '../data/ingest/types.ts';
import { parseLabelsOption } from '../data/labels.ts';
import { DEFAULT_FIELDS, type FieldMap, type Task } from '../data/record.ts';
import { UserError } from '../util/errors.ts';
import { emptyPath } from '../util/empty-path.ts';
import { setQuiet } from '../util/log.ts';
import { decimalNumber, givenTwice, intOption, numberWithin, oneOf, parseCommand, required } from './args.ts';
import type { PrepareJob } from './prepare-thread.ts';

export const usage = `mistral-tune prepare --input FILE... --out DIR [options]

Reads JSONL, JSON arrays, CSV/TSV and plain text; validates and normalises every record; rejects what
cannot be used (with a reason); deduplicates; splits into train/val/test. Writes into DIR: train.jsonl,
val.jsonl, test.jsonl, rejected.jsonl and report.json. The same inputs and options give byte-identical files.

  --input FILE...        input files or folders (repeatable; more files may follow the flag)
  --out DIR              output folder (made if missing; other files in it are left alone, and its
                         outputs are replaced only when an earlier prepare run wrote them and they
                         are unedited: report.json records each one's size and SHA-256); locked
                         while prepare writes it: a second prepare into it is refused
  --overwrite            replace train/val/test/rejected.jsonl and report.json in --out even when
                         no earlier prepare run wrote them, or they were edited since
  --task NAME            generation (default) or classification ({text, label} records)
  --split A,B,C          shares of train,val,test (default 0.8,0.1,0.1)
  --seed N               seed of the split (default 0)
  --dedup MODE           near (default: exact + MinHash near-duplicates), exact, or none
  --near-threshold X     Jaccard similarity of 5-gram shingles that makes a near duplicate (default 0.8)
  --val FILE             use FILE as the validation split (repeatable); inputs split over train/test
  --test FILE            use FILE as the test split (repeatable)
  --tokenizer DIR        a folder with tokenizer.json, or the file (default: the bundled Mistral 7B
                         v0.1 tokenizer)
  --format NAME          read every input as ${FORMATS.join('|')} (default: by extension)
  --text-split MODE      plain text: file (one record per file, default), blank-lines (one per block
                         of lines) or lines (one per non-blank line, a sentence-per-line corpus)
  --field NAME=KEY       read field NAME from KEY (repeatable): ${Object.keys(DEFAULT_FIELDS).join(', ')};
                         ShareGPT (conversations: from/value), Alpaca/Dolly and question/answer records
                         need none: they are read as chats
  --labels A,B,...       classification: the classes in index order (an integer label is the class
                         index); other labels are rejected, and so are placeholder labels ("nan",
                         "None", empty: missing_label) unless named here (a word: "None", "N/A")
  --labels 1=A,2=B,...   classification: which integer label is which class (1-based data: AG News;
                         -1=A makes -1, otherwise Hugging Face's "no label", a class)
  --labels '["A, B","C"]'
                         classification: the classes as JSON, for names that hold a comma or "=" or
                         start with [ or { (a list, or an object {"1":"A, B","2":"C"} as INTEGER=NAME)
  --min-chars N, --max-chars N     length limits in characters (all text fields together; default no
                         --min-chars, --max-chars ${DEFAULTS.maxChars}, which bounds the memory a record takes)
  --min-tokens N, --max-tokens N   length limits in tokens, as the trainer builds the sequence (default
                         none: no limit)
  --overflow MODE        over --max-tokens: reject (default, too_long) or truncate (kept, the trainer cuts;
                         one the cut leaves no token to train is rejected as fully_masked)
  --keep-placeholders    keep records whose text field is only "nan", "None", "null", "N/A", "#N/A",
                         "[deleted]" or the like (by default rejected as placeholder; "None", "N/A" and
                         "NA" are kept without it as a completion or an assistant turn)
  --strip-html           remove HTML tags (<p>, <br>, <a href=…>; script and style elements whole) and
                         decode character references (&amp;, &#39;) in text fields; without it such
                         records are kept as written, and the report counts them
  --json                 print report.json on stdout
  --quiet                no summary or progress on stderr`;

interface Flags {
  input?: string[]; out?: string; task?: string; split?: string; seed?: string; dedup?: string;
  'near-threshold'?: string; val?: string[]; test?: string[]; tokenizer?: string; format?: string;
  'text-split'?: string; field?: string[]; labels?: string; 'min-chars'?: string; 'max-chars'?: string; 'keep-placeholders'?: boolean; 'strip-html'?: boolean;
  'min-tokens'?: string; 'max-tokens'?: string; overflow?: string; json?: boolean; quiet?: boolean; overwrite?: boolean; help?: boolean;
}

function parseSplit(s: string, bothFiles: boolean): [number, number, number] {
  // "1,," is no share of 0s (Number("") is 0)
  const parts = s.split(',').map((x) => decimalNumber(x) ?? NaN);
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x) || x < 0) || Math.abs(parts[0]! + parts[1]! + parts[2]! - 1) > 1e-6) {
    const sum = parts.length === 3 && parts.every((x) => Number.isFinite(x) && x >= 0) ? parts[0]! + parts[1]! + parts[2]! : NaN;
    // the sum, when that is what is wrong (0.333 thirds), and the shares meant when they are percentages
    const added = Number.isNaN(sum) ? otherSeparators(s) : `, which adds up to ${+sum.toPrecision(12)}` +
      (Math.abs(sum - 100) < 1e-6 ? `: shares, not percentages (${parts.map((x) => +(x / 100).toPrecision(12)).join(',')})` : '');
    throw new UserError(`--split must be three shares ≥ 0 that add up to 1, like 0.8,0.1,0.1; got "${s}"${added}`);
  }
  refuseNoTrainShare(parts, s, bothFiles);
  return parts as [number, number, number];
}

/**
 * For --split written with another separator than the comma (90/5/5; 0,8;0,1;0,1 with decimal commas): what to write,
 * as shares (percentages divided by 100) where they add up to 1 so; else ''.
 */
function otherSeparators(s: string): string {
  const parts = s.trim().split(/\s*[/;:|]\s*|\s+/).map((x) => decimalNumber(x.replace(',', '.')));
  if (parts.length !== 3 || parts.some((x) => x === null || x < 0)) return '';
  const sum = parts.reduce((a: number, x) => a + x!, 0);
  const shares = parts.map((x) => +(Math.abs(sum - 100) < 1e-6 ? x! / 100 : x!).toPrecision(12));
  return `: the shares are separated by commas${Math.abs(sum - 1) < 1e-6 || Math.abs(sum - 100) < 1e-6 ? ` (${shares.join(',')})` : ''}`;
}

function parseFields(list: string[] | undefined): Partial<FieldMap> {
  const out: Partial<FieldMap> = {};
  for (const f of list ?? []) {
    const m = /^([a-z_]+)=(.+)$/.exec(f);
    if (!m || !Object.hasOwn(DEFAULT_FIELDS, m[1]!)) {
      throw new UserError(`--field must be NAME=KEY with NAME one of ${Object.keys(DEFAULT_FIELDS).join(', ')}; got "${f}"`);
    }
    const name = m[1] as keyof FieldMap, earlier = out[name];
    // the later would win without a word, and one of the two columns was meant
    if (earlier !== undefined && earlier !== m[2]) throw givenTwice('field', `${name}=${earlier}`, f);
    out[name] = m[2]!;
  }
  return out;
}

function optInt(flag: string, v: string | undefined): number | undefined {
  return v === undefined ? undefined : intOption(flag, v, 0, 0);
}

/** prepare's flags as checked here, for prepare.ts's run. */
export interface PrepareArgs extends PrepareJob {
  /** --json: report.json on stdout. */
  json: boolean;
}

/** prepare's options from its flags, every one checked; null: -h. */
export function parse(argv: string[]): PrepareArgs | null {
  const { values: f, positionals } = parseCommand<Flags>('prepare', argv, {
    input: { type: 'string', multiple: true }, out: { type: 'string' }, task: { type: 'string' },
    split: { type: 'string' }, seed: { type: 'string' }, dedup: { type: 'string' }, 'near-threshold': { type: 'string' },
    val: { type: 'string', multiple: true }, test: { type: 'string', multiple: true }, tokenizer: { type: 'string' },
    format: { type: 'string' }, 'text-split': { type: 'string' }, field: { type: 'string', multiple: true },
    labels: { type: 'string' }, 'min-chars': { type: 'string' }, 'max-chars': { type: 'string' },
    'min-tokens': { type: 'string' }, 'max-tokens': { type: 'string' }, overflow: { type: 'string' },
    'keep-placeholders': { type: 'boolean' }, 'strip-html': { type: 'boolean' },
    json: { type: 'boolean' }, quiet: { type: 'boolean' }, overwrite: { type: 'boolean' }, help: { type: 'boolean' },
  }, true);
  if (f.help) return null;
  const inputs = [...(f.input ?? []), ...positionals];
  if (inputs.length === 0) throw new UserError('--input is required (see mistral-tune prepare --help)');
  // an unset variable quoted ("$DATA"): said naming the argument, not as an unreadable file without a name (an empty
  // --input/--val/--test: parseCommand's path check)
  if (positionals.includes('')) throw emptyPath('input', 'file', 'a data file or folder');
  const outDir = required('out', f.out, 'prepare');
  const task = oneOf<Task>('task', f.task, ['generation', 'classification'], 'generation');
  const dedup = oneOf<DedupMode>('dedup', f.dedup, ['near', 'exact', 'none'], DEFAULTS.dedup);
  const format = f.format === undefined ? undefined : oneOf<Format>('format', f.format, FORMATS, 'jsonl');
  const textSplit = oneOf<TextSplit>('text-split', f['text-split'], TEXT_SPLITS, 'file');
  const overflow = oneOf('overflow', f.overflow, ['reject', 'truncate'] as const, 'reject');
  const nearThreshold = numberWithin('near-threshold', f['near-threshold'], (n) => n > 0 && n <= 1, 'in (0, 1]');
  if (f.quiet) setQuiet(true);
  // every option is checked before the tokenizer loads (and says so): a bad one is the only line printed
  const labels = f.labels === undefined ? undefined : parseLabelsOption(f.labels);
  const options: PrepareJob['options'] = {
    inputs, outDir, task, dedup, format, overwrite: f.overwrite === true,
    // given or not: a --near-threshold or --overflow that another flag leaves unused is refused (refuseUnusedOptions)
    nearThreshold, overflow: f.overflow === undefined ? undefined : overflow,
    val: f.val, test: f.test,
    split: f.split === undefined ? undefined : parseSplit(f.split, (f.val ?? []).length > 0 && (f.test ?? []).length > 0),
    seed: intOption('seed', f.seed, DEFAULTS.seed, 0),
    textSplit: f['text-split'] === undefined ? undefined : textSplit,
    fields: parseFields(f.field),
    labels: labels?.labels, labelCodes: labels?.codes,
    minChars: optInt('min-chars', f['min-chars']), maxChars: optInt('max-chars', f['max-chars']),
    minTokens: optInt('min-tokens', f['min-tokens']), maxTokens: optInt('max-tokens', f['max-tokens']),
    keepPlaceholders: f['keep-placeholders'] === true,
    stripHtml: f['strip-html'] === true,
  };
  refuseUnusedOptions(options);
  return { options, tokenizer: f.tokenizer, quiet: f.quiet === true, json: f.json === true };
}
