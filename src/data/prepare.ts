// The prepare pipeline: read every input record, validate and normalise it, reject what cannot be used
// (with a reason, in rejected.jsonl), deduplicate, split into train/val/test and write report.json.
// Two passes keep memory bounded by the number of records, not their size: pass 1 streams the inputs and
// spools the kept records to disk (with a few numbers per record in memory); pass 2 assigns the splits
// and streams the spool into the split files. Files are written under temporary names and renamed at the
// end, so a failed run leaves no partial outputs. An input whose size or mtime changed while it was read (a file still
// being written) is said in a warning. Classification copies and near copies of a kept record wait in a scratch file
// until every record is read (place(), defer()): that record may turn out to conflict, which decides their fate.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import { readLines } from '../util/lines.ts';
import { readRecords, formatsOf } from './ingest/read.ts';
import { datasetLabelKind, typedLabelCells } from './label-column.ts';
import { markLabelledFile, strayOfLabelledFile, type LabelledFileItem } from './labelled-file.ts';
import { resolveFields } from './field-map.ts';
import { ownRecordId } from './record-fields.ts';
import { recordAt, recordPlace, type RawItem, type RecordAt } from './ingest/types.ts';
import {
  LabelSet, NO_CLASS_LIST, WRITTEN_LABELS, classList, labelKey, refuseOneBased, textColumnReading, type LabelValue,
} from './labels.ts';
import { ContentIndex, sameSequence, sequenceKey } from './exact-dedup.ts';
import { NearDupIndex } from './near-dedup.ts';
import { OutFile, writtenBy } from './out-file.ts';
import { ReadTally } from './read-tally.ts';
import { maxRawCharsFor } from './char-limits.ts';
import { CommaSplitLabels, checkRecord } from './record-checks.ts';
import { recordHasHtml, stripRecordHtml } from './record-html.ts';
import {
  DEFAULT_FIELDS, comparableParts, contentKeys, detectRecord, otherTask, recordFields,
  type Reason, type Shape,
} from './record.ts';
import { checkBalance, sortedCounts, summaryText, type PrepareReport } from './report.ts';
import { claimOutDir } from './out-dir.ts';
import { placeOutputs } from './prepare-pending.ts';
import { libraryWords, optionIs, type OptionWords } from '../util/option-words.ts';
import { PREPARE_REPORT } from './prepare-report.ts';
import { clip, describeLabel, encodingHint, nothingKept, readTogether, specialTexts, testRepeatsVal } from './prepare-words.ts';
import { KeptTable, renderingKey, type Deferred, type Placing } from './prepare-kept.ts';
import { prepareWarnings } from './prepare-warnings.ts';
import { DEFAULTS, needPrepareOptions, reportOptions, validateOptions, type PrepareOptions, type PrepareResult } from './prepare-options.ts';
import { OUTPUT_FILES, listSources, statListedSource, type SourceRole } from './sources.ts';
import { SPLITS, assignSplits, splitDraw, testRecordsInVal } from './split.ts';
import { pythonJson } from './python-numbers.ts';
import { parseWrittenJson } from './ingest/python-json.ts';
import { tokenVerdict } from './token-limits.ts';
import { asRendered } from './template-kwargs-field.ts';
import { forgetSharedCanonicalJson } from './record-content.ts';
import { RejectionOrder, rejectionScratchNames } from './rejection-order.ts';

export { DEFAULTS, refuseNoTrainShare, type DedupMode, type PrepareOptions, type PrepareResult } from './prepare-options.ts';

/**
 * How much of the first rejection's detail the error of a run that keeps nothing quotes: room for the record's keys and
 * the hint after them (a ChatGPT export's, preference data's --field), which at 240 was cut before it said what to do.
 */
const DETAIL_LIMIT = 480;
/** The scratch file of kept records, read back to write the splits (never renamed into place). */
const SPOOL = 'spool.jsonl';
/** The scratch file of classification copies and near copies whose fate waits on their match's labels (never renamed). */
const DEFERRED = 'deferred.jsonl';
/** The scratch file of rejections held until a "[" line closes (rejection-order.ts). */
const HELD = 'held-rejections.jsonl';
const SHAPES: readonly Shape[] = ['text', 'prompt_completion', 'chat', 'classification', 'pretokenized'];
const ROLE_SPLIT: Record<SourceRole, number> = { input: -1, val: 1, test: 2 };

/** `words`: how errors name the options (the CLI passes its flags'). */
export function prepare(opts: PrepareOptions, words: OptionWords = libraryWords('prepare')): PrepareResult {
  needPrepareOptions(opts);
  const task = opts.task ?? DEFAULTS.task;
  const split = opts.split ?? DEFAULTS.split;
  const seed = opts.seed ?? DEFAULTS.seed;
  const dedup = opts.dedup ?? DEFAULTS.dedup;
  const nearThreshold = opts.nearThreshold ?? DEFAULTS.nearThreshold;
  const fields = resolveFields(opts.fields, words);
  const overflow = opts.overflow ?? 'reject';
  const tok = opts.tokenizer;
  validateOptions(opts, split, nearThreshold, words);
  const givenLabels = opts.labels ? new LabelSet(opts.labels, opts.labelCodes) : null, commaSplits = new CommaSplitLabels();
  // longer JSON than a record within --max-chars can be is rejected before it is parsed
  const maxRawChars = maxRawCharsFor(opts.maxChars ?? DEFAULTS.maxChars);

  // --val/--test files first: a training record that repeats an evaluation record is the one rejected.
  const notes: string[] = [];
  // shares given beside both --val and --test files are not used (every input record trains): said, not taken unseen
  if (opts.split !== undefined && (opts.val ?? []).length > 0 && (opts.test ?? []).length > 0) {
    notes.push(`${words.say('split')} ${split.join(',')} is not used: with both ${words.say('val')} and ${words.say('test')} files given, every input record trains`);
  }
  /** Sources whose one JSON object holds only an empty list: a note says so, not the empty-file warning. */
  const emptyLists = new Set<number>();
  const tally = new ReadTally(); // how records were read (layouts, chats cut short), said in the report
  const sources = listSources([
    ...(opts.val ?? []).map((p) => ({ path: p, role: 'val' as const })),
    ...(opts.test ?? []).map((p) => ({ path: p, role: 'test' as const })),
    ...opts.inputs.map((p) => ({ path: p, role: 'input' as const })),
  ], opts.outDir, notes, words);
  const formats = formatsOf(sources.map((s) => s.path), opts.format, sources.filter((s) => s.given).map((s) => s.path), words);
  // a .py or README.md in a data folder becomes training text: said, so that it is not a surprise
  const guessed = opts.format ? [] : sources.filter((s, i) => formats[i] === 'text' && path.extname(s.path).toLowerCase() !== '.txt').map((s) => s.name);
  if (guessed.length > 0) notes.push(`read as plain text, their extension not being .jsonl, .json, .csv, .tsv or .txt: ${boundedItemsText(guessed, { shown: 5, keepEnd: true })}`);
  // --text-split splits plain text only: given where no input is read so, it would be taken unseen
  if (opts.textSplit !== undefined && !formats.includes('text')) {
    notes.push(`${optionIs(words, 'textSplit', opts.textSplit)} is not used: no input is read as plain text (a .txt file, or ${optionIs(words, 'format', 'text')})`);
  }
  const { lock, vouched } = claimOutDir(opts.outDir, opts.overwrite === true, words, [...OUTPUT_FILES, SPOOL, DEFERRED, ...rejectionScratchNames(HELD)]);
  const specials = specialTexts(tok), templateTokens = tok.templateTokens ?? {};

  const all: OutFile[] = [];
  let rejections: RejectionOrder | null = null;
  try {
    const open = (name: string, shown?: string): OutFile => {
      // an output is hashed as it is written, for report.json's files; the scratch files and the report itself are not
      const f = new OutFile(path.join(opts.outDir, name), { shown, hashed: name !== SPOOL && name !== DEFERRED && name !== PREPARE_REPORT });
      all.push(f);
      return f;
    };
    // a full disk meets the spool first: said as what it is, not as a file of prepare's outputs
    const spool = open(SPOOL, `${path.join(opts.outDir, SPOOL)} (the kept records' scratch copy, removed at the end)`);
    const rejectedOut = open('rejected.jsonl');
    // in each input's line order: held while the record read is in a "[" line's array (a stray one's rejection comes last)
    rejections = new RejectionOrder(rejectedOut, path.join(opts.outDir, HELD));
    let holding = false;
    const splitOuts = SPLITS.map((s) => open(`${s}.jsonl`));
    const reportOut = open(PREPARE_REPORT);
    const byReason = new Map<Reason, number>();
    const perSource = sources.map(() => ({ records: 0, kept: 0, rejected: 0 }));
    // per file: how its reader read it (the delimiter chosen, another format it looks written in); report.json's inputs
    // keeps each, its warnings name the first files' (a folder of 10,000 `;` CSVs was 10,000 warning lines)
    const readerNotes: string[][] = sources.map(() => []), wrappedKeys: (string | undefined)[] = []; // the key each file's records are wrapped under
    let inputRecords = 0, truncated = 0;
    const ints = { max: -Infinity, zero: false }; // the integer labels read (1-based ones are refused)
    const notUtf8 = new Map<number, number>(); // records of bytes not UTF-8 per source: another encoding, said in a warning
    const notUtf8ReadsAs = new Map<number, readonly string[] | null>(); // the encodings those read as together (readTogether)
    const beyondAscii = new Set<number>(); // sources with a record of UTF-8 text beyond ASCII: converted whole, it would be garbled
    const minusOnes = { records: 0, ofWords: 0 }; // records rejected for the label -1 (HF's "no label"), and those of a column of words: a warning when they are many
    const wordLabels = new Map<string, number>(); // records rejected for a label such as "None", by the word: the same
    let firstRejection: string | null = null; // where and why, for the error of a run that keeps nothing
    let otherFormat: string | null = null; // the first file that looks written in another format than read as: the same
    // `unread`: what the record's file holds that was not read (a list of records beside its text: RawItem.unreadLists),
    // said whole after the detail, even in the error quoting it clipped
    // per source, its first rejection said so: a file whose every record is rejected is warned of with it
    const firstRejections = new Map<number, string>();
    const reject = (src: number, at: RecordAt, reason: Reason, detail: string, raw: string, unread?: string): void => {
      if (!firstRejections.has(src)) firstRejections.set(src, `${recordPlace(sources[src]!.name, at)}: ${reason}: ${clip(detail, DETAIL_LIMIT)}${unread ? `; ${unread}` : ''}`);
      firstRejection ??= firstRejections.get(src)!;
      // clipped as raw is: a detail may quote the record (a role, a key, a label of 500,000 characters, twice), which made
      // one rejected.jsonl line of a megabyte beside its raw of 4 KB
      detail = clip(detail);
      if (unread) detail = `${detail}; ${unread}`;
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
      perSource[src]!.rejected++;
      rejections!.write(at.line, JSON.stringify({ source: { file: sources[src]!.name, ...recordAt(at) }, reason, detail, raw: clip(raw) }) + '\n', holding);
    };

    const kept = new KeptTable();
    const contents = new ContentIndex();
    /** The first copy with another label than the first kept copy, per conflicting content entry. */
    const firstConflict = new Map<number, { label: string | null; where: string }>();
    // --dedup none: a kept record trained as the same sequence as an earlier one of another content (sequenceKey)
    // → the first record of that one's group, so the two stay in one split as copies do
    const sameSequenceGroup = new Map<number, number>();
    const groupOf = (i: number): number => {
      const first = contents.first(kept.entry[i]!);
      return sameSequenceGroup.get(first) ?? first;
    };
    const near = dedup === 'near' ? new NearDupIndex(nearThreshold) : null;
    const keepRaw = task === 'classification'; // a kept record may still be rejected later (conflicting labels)
    const lineOf = (i: number): string => {
      const s = kept.source[i]!;
      const rec = parseWrittenJson(spool.read(kept.offset[i]!, kept.length[i]!)) as { source: RecordAt };
      return recordPlace(sources[s]!.name, rec.source);
    };
    const comparedPartsOf = (i: number): string[] => {
      const value: unknown = parseWrittenJson(spool.read(kept.offset[i]!, kept.length[i]!)); // 1.0 a float, Infinity, as read
      const det = detectRecord(value, task, DEFAULT_FIELDS, undefined, WRITTEN_LABELS); // its label as written: "-1" of a column of words, a "None" --labels names
      if ('reason' in det) throw new Error(`prepare: spooled record ${i} no longer validates: ${det.detail}`);
      return comparableParts(det.record) ?? [];
    };

    // A classification record rejected as a copy or near copy of kept record m waits in `deferred` until every record
    // is read: m may then be rejected for conflicting labels, and every copy with it (conflicting_label), while a near
    // copy is placed again, as one read after the conflict is.
    const deferred = open(DEFERRED);
    const cutKept = new Set<number>(); // kept records cut to --max-tokens (--overflow truncate)
    const defer = (m: number, d: Deferred): void => { deferred.write(JSON.stringify({ ...d, m }) + '\n'); };
    /** Where a read and checked record goes: rejected as a copy, a conflict or a near copy of a kept one, or kept (spooled). */
    const place = (p: Placing): void => {
      const { si, at: where, rec, raw } = p;
      const name = sources[si]!.name;
      // {"bos_token": "<s>"}, the tokenizer's own, renders as without it: the same example
      const keys = contentKeys(asRendered(rec, templateTokens));
      const hash = createHash('sha256').update(keys.content).digest('hex');
      const label = 'label' in rec && rec.label !== undefined ? labelKey(rec.label) : null;
      let e = contents.find(hash);
      if (e !== undefined) {
        if (contents.label(e) !== label && !contents.conflict(e)) {
          contents.markConflict(e);
          firstConflict.set(e, { label, where: recordPlace(name, where) });
        }
        if (contents.conflict(e)) {
          const c = firstConflict.get(e)!;
          const first = `${describeLabel(contents.label(e))} at ${lineOf(contents.first(e))}`;
          const detail = c.where === recordPlace(name, where)
            ? `the same text is labelled ${first} and ${describeLabel(label)} here`
            : `the same text is labelled ${first} and ${describeLabel(c.label)} at ${c.where} (here ${describeLabel(label)})`;
          reject(si, where, 'conflicting_label', detail, raw);
          return;
        }
        if (dedup !== 'none') {
          const detail = `duplicate of ${lineOf(contents.first(e))}`;
          if (keepRaw && !p.final) defer(contents.first(e), { ...p, reason: 'duplicate', detail });
          else reject(si, where, 'duplicate', detail, raw);
          return;
        }
      }
      // another shape (or split) trained as the same sequence: a text that is a kept pair's prompt and completion joined
      const seq = sequenceKey(rec);
      const sameSeq = seq === null || e !== undefined || dedup === 'none' ? undefined : contents.findSequence(seq);
      if (sameSeq !== undefined) {
        reject(si, where, 'duplicate', `duplicate of ${lineOf(sameSeq)} (${sameSequence(rec.shape, SHAPES[kept.shape[sameSeq]!]!)})`, raw);
        return;
      }
      let tokens = p.tokens, cut = p.cut === true;
      if (tokens === undefined) {
        const v = tokenVerdict(rec, tok, { minTokens: opts.minTokens, maxTokens: opts.maxTokens, overflow }, words, fields);
        if ('reason' in v) {
          reject(si, where, v.reason, v.detail, raw);
          return;
        }
        tokens = v.tokens;
        cut ||= v.cut;
      }
      const rendering = renderingKey(keys.renderedWith);
      if (near && e === undefined) {
        const parts = comparableParts(rec);
        if (parts !== null) {
          // a record already known to be rejected (conflicting labels) cannot make this one a duplicate, nor one
          // of another class: texts that differ a little may mean the opposite ("not recommended"); nor a chat
          // rendered with other tools or template variables ({"enable_thinking": false}): another training text
          const m = near.check(parts, kept.n, comparedPartsOf,
            (i) => contents.conflict(kept.entry[i]!) || contents.label(kept.entry[i]!) !== label || kept.rendering[i] !== rendering);
          if (m) {
            const detail = `near-duplicate of ${lineOf(m.index)} (Jaccard ${m.similarity.toFixed(3)} of 5-gram shingles${parts.length > 1 ? ', the least of its parts' : ''})`;
            if (keepRaw && !p.final) defer(m.index, { ...p, tokens, cut, reason: 'near_duplicate', detail });
            else reject(si, where, 'near_duplicate', detail, raw);
            return;
          }
        }
      }
      if (p.html) tally.countHtml(false);
      e ??= contents.add(hash, kept.n, label);
      const copy = contents.addCopy(e);
      const id = hash.slice(0, 16) + (copy > 1 ? `-${copy}` : '');
      const line = pythonJson({ id, source: { file: name, ...recordAt(where), ...(p.ownId === undefined ? {} : { id: p.ownId }) }, ...recordFields(rec) });
      const offset = spool.size;
      spool.write(line + '\n');
      if (keepRaw) spool.write(JSON.stringify(clip(raw)) + '\n');
      if (cut) cutKept.add(kept.n); // counted once it is written to a split (it may yet conflict)
      if (seq !== null && dedup === 'none' && copy === 1) {
        const m = contents.findSequence(seq);
        if (m !== undefined) sameSequenceGroup.set(kept.n, groupOf(m));
      }
      if (seq !== null) contents.addSequence(seq, kept.n);
      kept.push(offset, Buffer.byteLength(line), e, si, tokens, SHAPES.indexOf(rec.shape), splitDraw(hash, seed), rendering);
    };

    const bytesTotal = sources.reduce((a, s) => a + s.bytes, 0);
    let bytesDone = 0;
    const onBytes = opts.onProgress ? (n: number) => { bytesDone += n; opts.onProgress!(bytesDone, bytesTotal); } : undefined;

    // Pass 1: read, validate, deduplicate, spool.
    const limits = {
      minChars: opts.minChars, maxChars: opts.maxChars ?? DEFAULTS.maxChars, maxCharsGiven: opts.maxChars !== undefined, keepPlaceholders: opts.keepPlaceholders === true, words,
    };
    // the label column of several CSV, TSV and JSON files is typed as one, as HF datasets gives a dataset's files one
    // schema (a JSON field of strings is text, as a CSV column holding a word): read quietly first, where there are other files
    const labelKind = task !== 'classification' ? undefined
      : datasetLabelKind(formats, fields.label, (si) => readRecords(sources[si]!.path, formats[si]!, { textSplit: opts.textSplit, textField: fields.text, maxRawChars, words }));
    for (let si = 0; si < sources.length; si++) {
      const src = sources[si]!;
      const before = statListedSource(src.path);
      const read = (quiet: boolean): Iterable<RawItem> => readRecords(src.path, formats[si]!, quiet ? { textSplit: opts.textSplit, textField: fields.text, maxRawChars, words } : {
        textSplit: opts.textSplit, textField: fields.text, onBytes, maxRawChars, words, onNote: (n) => readerNotes[si]!.push(n),
        onOtherFormat: (h) => { readerNotes[si]!.push(h); otherFormat ??= `; ${src.name}: ${h}`; }, onWrapped: (key) => { wrappedKeys[si] = key; },
      });
      // a CSV label column typed as pandas types it, by the whole column (label-column.ts); in a generation run, a record
      // of a labelled file whose label is missing is that file's too (labelled-file.ts)
      const items: Iterable<LabelledFileItem> = task === 'classification' ? typedLabelCells(formats[si]!, fields.label, read, givenLabels ?? undefined, (n) => readerNotes[si]!.push(n), undefined, labelKind, src.path) : markLabelledFile(fields, read);
      for (const item of items) {
        holding = item.inOpenArray === true;
        inputRecords++;
        perSource[si]!.records++;
        if (item.error) {
          // bytes that are not UTF-8 (a line's defect: another encoding); a lone surrogate spelled in JSON is no sign of one
          if (item.error.reason === 'invalid_utf8') {
            notUtf8.set(si, (notUtf8.get(si) ?? 0) + 1);
            notUtf8ReadsAs.set(si, readTogether(notUtf8ReadsAs.get(si), item.error.readsAs));
          }
          const readsOn = item.readsOnFrom ? ` Only line ${item.line} is rejected; reading resumes at line ${item.readsOnFrom}` : '';
          reject(si, item, item.error.reason, item.error.detail + readsOn, item.raw);
          continue;
        }
        if (!beyondAscii.has(si) && /[^\x00-\x7f]/.test(item.raw)) beyondAscii.add(si);
        const reading = givenLabels ?? NO_CLASS_LIST;
        const detected = detectRecord(item.value, task, fields, tok.vocabSize, item.labelAsText ? textColumnReading(reading) : reading, words);
        // a text record of a labelled file whose label is missing is a classification record too (labelled-file.ts)
        const det = ('record' in detected && strayOfLabelledFile(item, detected.record, fields.label)) || detected;
        // a dataset in one object is no record to reject: its records would be lost as one
        if ('reason' in det && det.reason === 'unknown_shape' && item.recordLists) throw new UserError(item.recordLists, recordPlace(src.path, item));
        // … and one whose one list is empty holds no record to reject: the file holds none, as an empty file
        if ('reason' in det && det.reason === 'unknown_shape' && item.noRecords) {
          inputRecords--;
          perSource[si]!.records--;
          emptyLists.add(si);
          notes.push(`${src.name}: ${item.noRecords}`);
          continue;
        }
        if ('reason' in det) {
          if (det.noLabel?.kind === 'minus_one') { minusOnes.records++; if (item.labelAsText) minusOnes.ofWords++; }
          else if (det.noLabel?.kind === 'word') wordLabels.set(det.noLabel.word, (wordLabels.get(det.noLabel.word) ?? 0) + 1);
          reject(si, item, det.reason, det.reason === 'wrong_task' ? `${det.detail} (use ${optionIs(words, 'task', otherTask(task))})` : det.detail, item.raw, item.unreadLists);
          continue;
        }
        tally.count(det);
        tally.countShadowed(item.value, fields, recordPlace(src.name, item));
        let rec = det.record;
        if (givenLabels && 'label' in rec && rec.label !== undefined) {
          if (typeof rec.label === 'number') { ints.max = Math.max(ints.max, rec.label); ints.zero ||= rec.label === 0; }
          // an integer label names a class by its index (see LabelSet.classIndex): write the class's name
          const k = givenLabels.classIndex(rec.label);
          if (k !== undefined) rec = { ...rec, label: givenLabels.labels[k]! };
        }
        // HTML kept as written is counted once the record is kept (the warning says they are in the splits as written)
        let htmlAsWritten = false;
        if (recordHasHtml(rec)) {
          if (opts.stripHtml) {
            tally.countHtml(true);
            const stripped = stripRecordHtml(rec, words, fields);
            if ('reason' in stripped) {
              reject(si, item, stripped.reason, stripped.detail, item.raw);
              continue;
            }
            rec = stripped;
          } else htmlAsWritten = true;
        }
        const bad = checkRecord(rec, limits, specials, givenLabels, templateTokens, fields);
        if (bad) {
          commaSplits.note(bad, 'label' in rec ? rec.label : undefined, () => recordPlace(sources[si]!.name, item));
          reject(si, item, bad.reason, bad.detail, item.raw);
          continue;
        }
        const ownId = ownRecordId(item.value);
        place({ si, at: recordAt(item), rec, raw: item.raw, ...(ownId === undefined ? {} : { ownId }), html: htmlAsWritten, final: false });
      }
      holding = false;
      rejections.flush(); // the input's held rejections, in line order, before the next input's
      const now = fs.statSync(src.path, { throwIfNoEntry: false });
      if (now?.size !== before.size || now.mtimeMs !== before.mtimeMs) notes.push(`${src.name}: the file changed while it was read (${before.size} bytes when reading began, ${now?.size ?? 0} after): is it still being written? Its last records may be cut off or missing: rerun once it is complete`);
    }
    deferred.flush();
    for (const { text } of readLines(deferred.tmp)) {
      const d = JSON.parse(text) as Deferred & { m: number };
      if (contents.conflict(kept.entry[d.m]!)) place({ ...d, final: true });
      else reject(d.si, d.at, d.reason, d.detail, d.raw);
    }
    deferred.discard();
    spool.flush();
    if (givenLabels) refuseOneBased(givenLabels, ints, { named: words.say('labels'), words, where: words.where });

    // Pass 2: classes, strata, groups, splits.
    const isKept = (i: number): boolean => !contents.conflict(kept.entry[i]!);
    let classes: LabelSet | null = null;
    const labelOfKept: Array<LabelValue | null> = [];
    if (task === 'classification') {
      for (const { text, lineNo } of readLines(spool.tmp)) {
        if (lineNo % 2 === 0) continue; // raw lines
        labelOfKept.push((JSON.parse(text) as { label: LabelValue }).label);
      }
      commaSplits.refuse(labelOfKept);
      if (givenLabels) classes = givenLabels;
      else {
        classes = new LabelSet(classList(labelOfKept.filter((_, i) => isKept(i)) as LabelValue[]));
      }
    }
    const order: number[] = []; // kept indices that survive
    for (let i = 0; i < kept.n; i++) if (isKept(i)) order.push(i);
    const n = order.length;
    const group = new Int32Array(n), stratum = new Int32Array(n), fixed = new Int8Array(n), draw = new Float64Array(n);
    const posOf = new Int32Array(kept.n).fill(-1);
    order.forEach((i, p) => { posOf[i] = p; });
    for (let p = 0; p < n; p++) {
      const i = order[p]!;
      const first = dedup === 'none' ? posOf[groupOf(i)]! : p;
      group[p] = first >= 0 ? first : p; // a group's first record rejected since (conflicting labels): its own
      stratum[p] = classes ? classes.indexOf(labelOfKept[i]!)! : 0;
      fixed[p] = ROLE_SPLIT[sources[kept.source[i]!]!.role];
      draw[p] = kept.draw[i]!;
    }
    const provided: [boolean, boolean, boolean] = [false, (opts.val ?? []).length > 0, (opts.test ?? []).length > 0];
    const assigned = assignSplits({ n, group, stratum, fixed, ratios: split, provided, draw });
    const testInVal = testRecordsInVal(group, fixed); // only --dedup none keeps such copies
    if (testInVal > 0) notes.push(testRepeatsVal(testInVal, words));

    // Pass 2: stream the spool into the split files (and late rejections into rejected.jsonl).
    const splitCounts = [0, 0, 0], splitTokens = [0, 0, 0];
    const byShape = new Map<Shape, number>();
    const labelCounts = SPLITS.map(() => new Map<string, number>());
    let i = 0, pendingLine = '';
    for (const { text } of readLines(spool.tmp)) {
      if (keepRaw && pendingLine === '') {
        pendingLine = text;
        continue;
      }
      const line = keepRaw ? pendingLine : text;
      pendingLine = '';
      const si = kept.source[i]!;
      if (!isKept(i)) {
        const r = JSON.parse(line) as { source: RecordAt; label: LabelValue };
        const e = kept.entry[i]!;
        reject(si, r.source, 'conflicting_label', `the same text appears with different labels (${describeLabel(contents.label(e))} first, at ${lineOf(contents.first(e))}); every copy is rejected`, JSON.parse(text) as string);
      } else {
        const s = assigned[posOf[i]!]!;
        splitOuts[s]!.write(line + '\n');
        splitCounts[s]!++;
        splitTokens[s]! += kept.tokens[i]!;
        perSource[si]!.kept++;
        if (cutKept.has(i)) truncated++;
        const shape = SHAPES[kept.shape[i]!]!;
        byShape.set(shape, (byShape.get(shape) ?? 0) + 1);
        if (classes) {
          const k = String(labelOfKept[i]);
          labelCounts[s]!.set(k, (labelCounts[s]!.get(k) ?? 0) + 1);
        }
      }
      i++;
    }
    if (i !== kept.n) throw new Error(`prepare: spool holds ${i} records, expected ${kept.n}`);

    const keptTotal = splitCounts[0]! + splitCounts[1]! + splitCounts[2]!;
    const warnings = prepareWarnings({
      sources, perSource, splitCounts, keptTotal, split, provided, classes, labelCounts, givenLabels, inputRecords, minusOnes, wordLabels,
      notes, readerNotes, wrappedKeys, notUtf8, notUtf8ReadsAs, beyondAscii, emptyLists, firstRejections, tally, fields, words,
    });
    const report: PrepareReport = {
      input_records: inputRecords,
      kept: keptTotal,
      rejected: inputRecords - keptTotal,
      by_reason: sortedCounts(byReason),
      by_shape: sortedCounts(byShape),
      splits: { train: splitCounts[0]!, val: splitCounts[1]!, test: splitCounts[2]! },
      tokens: { train: splitTokens[0]!, val: splitTokens[1]!, test: splitTokens[2]!, total: splitTokens[0]! + splitTokens[1]! + splitTokens[2]! },
      truncated,
      ...(classes ? {
        labels: [...classes.labels],
        label_counts: { train: sortedCounts(labelCounts[0]!) as Record<string, number>, val: sortedCounts(labelCounts[1]!) as Record<string, number>, test: sortedCounts(labelCounts[2]!) as Record<string, number> },
      } : {}),
      inputs: sources.map((s, k) => ({ file: s.name, role: s.role, ...perSource[k]!, ...(readerNotes[k]!.length > 0 ? { notes: readerNotes[k]! } : {}) })),
      options: reportOptions(opts, { task, split, seed, dedup, nearThreshold, fields, overflow }),
      warnings,
      // when nothing is kept, the splits stay as the earlier run wrote them (below): recorded as they are (vouched)
      files: {
        ...(keptTotal === 0 ? pick(vouched, splitOuts.map((f) => path.basename(f.target))) : writtenBy(splitOuts)),
        ...writtenBy([rejectedOut]),
      },
    };
    checkBalance(report);
    spool.discard();
    // every file on disk first, then the renames: a full disk stops the run before any output is replaced
    reportOut.write(JSON.stringify(report, null, 2) + '\n');
    // when nothing is kept, only rejected.jsonl and report.json are written (to inspect): an earlier
    // run's train/val/test files stay as they were, not replaced by empty ones
    const outs = keptTotal === 0 ? [rejectedOut, reportOut] : [rejectedOut, ...splitOuts, reportOut];
    for (const f of outs) f.finish();
    // a record of what each output may be goes first, the new report.json last (prepare-pending.ts): killed between the
    // renames, the folder's files mix two runs, each vouched for, and nothing reads them meanwhile
    placeOutputs(opts.outDir, outs, vouched);
    if (keptTotal === 0) {
      // a file in another encoding (Excel's "CSV (Comma delimited)" is Windows-1252), or mixing two, keeps nothing: the warning's way out, in the one line shown
      const [mostNotUtf8] = [...notUtf8].sort((a, b) => b[1] - a[1]);
      const convert = mostNotUtf8 && Object.entries(report.by_reason).every(([, n]) => n <= report.by_reason.invalid_utf8!) ? `; ${encodingHint(sources[mostNotUtf8[0]]!.name, beyondAscii.has(mostNotUtf8[0]), undefined, notUtf8ReadsAs.get(mostNotUtf8[0]))}` : '';
      throw new UserError(`no record was kept: ${nothingKept(report, firstRejection)}${convert}${otherFormat ?? ''}; rejected.jsonl and report.json are written for inspection ` +
        `(train/val/test files are left as they were), see ${path.join(opts.outDir, 'rejected.jsonl')}`);
    }
    return { report, summary: summaryText(report, opts.outDir, words) };
  } catch (e) {
    for (const f of all) f.discard();
    rejections?.discard();
    throw e;
  } finally {
    forgetSharedCanonicalJson(); // the tools' canonical JSON of this run's records: nothing after it reads them
    lock.release();
  }
}

/** The entries of `record` named in `names`. */
function pick<T>(record: Readonly<Record<string, T>>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(names.flatMap((n) => (Object.hasOwn(record, n) ? [[n, record[n]!]] : [])));
}
