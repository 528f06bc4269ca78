// prepare's records on their way (prepare.ts): what pass 1 keeps in memory per kept record (the rest is spooled to
// disk), and a record read and checked on its way to place(), deferred or not.
import { createHash } from 'node:crypto';
import type { RecordAt } from './ingest/types.ts';
import { grow } from './grow.ts';
import type { DataRecord, Reason } from './record.ts';

/** Per-record numbers of pass 1, in growable typed arrays (a record is its index among the kept). */
export class KeptTable {
  n = 0;
  offset = new Float64Array(1024); // byte offset of the record's line in the spool
  length = new Int32Array(1024); // byte length of that line
  entry = new Int32Array(1024); // exact-duplicate entry (content key) of the record
  source = new Int32Array(1024);
  tokens = new Float64Array(1024);
  shape = new Int8Array(1024);
  draw = new Float64Array(1024); // split.ts's splitDraw of the record's content
  rendering = new Float64Array(1024); // renderingKey: what else the record is rendered with (near-dedup compares equals)

  push(offset: number, length: number, entry: number, source: number, tokens: number, shape: number, draw: number, rendering: number): number {
    if (this.n === this.offset.length) {
      this.offset = grow(this.offset); this.length = grow(this.length); this.entry = grow(this.entry);
      this.source = grow(this.source); this.tokens = grow(this.tokens); this.shape = grow(this.shape); this.draw = grow(this.draw);
      this.rendering = grow(this.rendering);
    }
    const i = this.n++;
    this.offset[i] = offset; this.length[i] = length; this.entry[i] = entry;
    this.source[i] = source; this.tokens[i] = tokens; this.shape[i] = shape; this.draw[i] = draw; this.rendering[i] = rendering;
    return i;
  }
}

/**
 * A 52-bit key of what else a record is rendered with (record-content.ts's contentKeys: `renderedWith`, a chat's tools
 * and template variables as canonical JSON), 0 for nothing else: 8 bytes a kept record, hashed only for the records
 * that have them, where keeping the JSON (a chat's tool definitions, kilobytes) would cost gigabytes at a million records.
 */
export function renderingKey(renderedWith: string): number {
  return renderedWith === '' ? 0 : parseInt(createHash('sha256').update(renderedWith).digest('hex').slice(0, 13), 16) || 1;
}

/** A record read and checked, on its way to place(): `tokens` once counted (a near copy placed again), `final` when it is not deferred again. */
export interface Placing {
  si: number;
  at: RecordAt;
  rec: DataRecord;
  raw: string;
  /** The record's own "id" (record-fields.ts ownRecordId), written as source.id where it is kept. */
  ownId?: string | number;
  /** It holds HTML kept as written (counted once it is kept). */
  html: boolean;
  tokens?: number;
  /** With `tokens`: they were cut to --max-tokens. */
  cut?: boolean;
  final: boolean;
}

/** A deferred rejection: the record, and the rejection it gets if its match stays kept. */
export type Deferred = Placing & { reason: Reason; detail: string };
