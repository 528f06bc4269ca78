// Exact deduplication by content: a 64-bit key (from the SHA-256 of a record's canonical content) per
// distinct content among the kept records, with the first record that had it, how many copies were kept
// (for --dedup none), the label it was kept with (classification) and whether another label was seen.
// Typed arrays keep it at about 30 bytes per distinct content.
// Records of other shapes may still be trained as the same sequence: a text is BOS + text + EOS and a prompt and
// completion BOS + prompt + completion + EOS (tokenize.ts), so a text that is a prompt and its completion joined feeds
// the model the same tokens, the completion's trained in the same context (a copy in another split is a leak). Each
// kept text and prompt/completion record's sequence text is keyed too (sequenceText), and a later record whose
// sequence a kept one of another content had is a duplicate of it. Chats are rendered by a template, so never the
// same sequence as a text or pair (near-dedup compares a chat's turns with a pair's parts).
import { createHash } from 'node:crypto';
import { grow } from './grow.ts';
import { U64Map } from './hash-table.ts';
import { invisibleFold } from './invisible-fold.ts';
import type { DataRecord } from './record.ts';

export class ContentIndex {
  private readonly map = new U64Map();
  private readonly sequences = new U64Map(); // sequence key → the kept record that first had it
  private firstOf = new Int32Array(1024);
  private countOf = new Int32Array(1024);
  private labelOf = new Int32Array(1024); // index into labelNames, or −1 for none
  private conflictOf = new Uint8Array(1024);
  private n = 0;
  private readonly labelIds = new Map<string, number>();
  private readonly labelNames: string[] = [];

  /** The entry of a content key (16 hex digits), if a kept record had it. */
  find(key: string): number | undefined {
    return this.map.get(...halves(key));
  }

  /** A new entry for a content key, first kept as record `first` with `label` (a labelKey, or null). */
  add(key: string, first: number, label: string | null): number {
    const e = this.n++;
    if (e === this.firstOf.length) {
      this.firstOf = grow(this.firstOf); this.countOf = grow(this.countOf);
      this.labelOf = grow(this.labelOf); this.conflictOf = grow(this.conflictOf);
    }
    this.firstOf[e] = first;
    this.countOf[e] = 0;
    this.labelOf[e] = this.labelId(label);
    this.map.set(...halves(key), e);
    return e;
  }

  /** The kept record that first had a sequence key (sequenceKey), if one did. */
  findSequence(key: string): number | undefined {
    return this.sequences.get(...halves(key));
  }

  /** Keys a sequence as kept record `kept`'s, unless a record kept before had it. */
  addSequence(key: string, kept: number): void {
    if (this.findSequence(key) === undefined) this.sequences.set(...halves(key), kept);
  }

  first(e: number): number {
    return this.firstOf[e]!;
  }

  /** Counts one more kept copy and returns the count. */
  addCopy(e: number): number {
    return ++this.countOf[e]!;
  }

  label(e: number): string | null {
    const l = this.labelOf[e]!;
    return l < 0 ? null : this.labelNames[l]!;
  }

  conflict(e: number): boolean {
    return this.conflictOf[e] === 1;
  }

  markConflict(e: number): void {
    this.conflictOf[e] = 1;
  }

  private labelId(label: string | null): number {
    if (label === null) return -1;
    let id = this.labelIds.get(label);
    if (id === undefined) {
      id = this.labelNames.length;
      this.labelIds.set(label, id);
      this.labelNames.push(label);
    }
    return id;
  }
}

/** A key's first 16 hex digits as the two 32-bit halves U64Map takes. */
function halves(key: string): [number, number] {
  return [parseInt(key.slice(0, 8), 16), parseInt(key.slice(8, 16), 16)];
}

/**
 * The key (16 hex digits) of the token sequence a record is trained as, for the shapes whose sequence is their text as
 * written (a text; a prompt and completion, joined as tokenize.ts joins them), else null: the mask (which tokens carry
 * loss) is left out, and so are the characters canonicalContent leaves out (invisible-fold.ts).
 */
export function sequenceKey(r: DataRecord): string | null {
  const text = r.shape === 'text' ? r.text : r.shape === 'prompt_completion' ? r.prompt + r.completion : null;
  return text === null ? null : createHash('sha256').update(JSON.stringify(['sequence', invisibleFold(text)])).digest('hex').slice(0, 16);
}

/** Why a record of shape `here` with the sequence of a kept record of shape `there` (another content) is its duplicate. */
export function sameSequence(here: DataRecord['shape'], there: DataRecord['shape']): string {
  if (here === 'text') return 'its text is that record\'s prompt and completion joined: the same sequence, trained there on the completion';
  if (there === 'text') return 'its prompt and completion joined are that record\'s text: the same sequence, trained there whole';
  return 'its prompt and completion joined are that record\'s, split at another place: the same sequence';
}
