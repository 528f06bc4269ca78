// Server-sent events: keeps the open /events responses and writes named JSON events to all of them.
// A heartbeat every 15 s keeps proxies and idle timeouts from closing a quiet stream, and tells the page that its
// stream still works: an event (a comment fires none in a browser), so that the page finds a connection that died
// without a word (a network dropped: no FIN, no RST, the EventSource open for ever) by hearing nothing. A client that
// stops reading is dropped once its unsent bytes pass a bound, or when all clients' together pass theirs (the one
// furthest behind), instead of being buffered for without end; a browser's EventSource reconnects and starts again
// from the snapshot. A stream that asks for it (`/events?parts=1`, the page) is sent a large event in parts, each an
// event of its own (`part`), so that a stream on a slow link shows life while a long run's rows arrive: the page takes a
// stream that brings nothing for 3 heartbeats for lost, and a heartbeat waits behind the event being sent (some MB, a
// minute or more on a slow link: the page asked again, and its snapshot was sent anew, for ever).
import type * as http from 'node:http';

export interface SseEvent {
  type: string;
  data: unknown;
}

/** How often a stream is sent a `ping` event by default (startDashboard's heartbeatMs). */
export const HEARTBEAT_MS = 15_000;
/** The heartbeat: an event with data, which an EventSource dispatches (one with no data line it drops unseen). */
const PING = 'event: ping\ndata: 0\n\n';
/** Unsent bytes a client may have waiting: many snapshots' worth (a run's rows are capped, series-cap.ts). */
const MAX_UNSENT_BYTES = 64 << 20;
/** Unsent bytes of all clients together: past it the client furthest behind is dropped, so that many clients that
 * never read (a local process opening streams in a loop) cannot hold the server's memory without bound. */
const MAX_TOTAL_UNSENT_BYTES = 256 << 20;

/** The most UTF-16 units of data in one part of an event sent in parts: on a link of 1 kB/s one arrives in some 17 s,
 * well within the 3 heartbeats (45 s) the page waits, while the parts' own words (`event: part`) add 0.1% to an event. */
export const PART_CHARS = 16 * 1024;

/**
 * An event as an SSE stream carries it; with `inParts`, one whose data is longer than PART_CHARS is sent as `part`
 * events carrying its data's first pieces, then the event itself carrying the last one: the page joins them.
 */
export function formatEvent(ev: SseEvent, inParts = false): string {
  // JSON.stringify escapes newlines, so the payload is always a single `data:` line.
  const data = JSON.stringify(ev.data);
  if (!inParts || data.length <= PART_CHARS) return `event: ${ev.type}\ndata: ${data}\n\n`;
  let out = '';
  let from = 0;
  while (data.length - from > PART_CHARS) {
    let to = from + PART_CHARS;
    const unit = data.charCodeAt(to - 1);
    if (unit >= 0xd800 && unit <= 0xdbff) to--; // never between a surrogate pair's halves: each part is encoded alone
    out += `event: part\ndata: ${data.slice(from, to)}\n\n`;
    from = to;
  }
  return out + `event: ${ev.type}\ndata: ${data.slice(from)}\n\n`;
}

/** The bytes of each event, to be written to many streams: a Buffer written to a socket is queued, not copied (a string
 * is encoded anew for each). One per event: thousands of long runs' events in one string pass V8's limit (~0.5 GiB). */
export function eventBytes(events: readonly SseEvent[], inParts = false): Buffer[] {
  return events.map((ev) => Buffer.from(formatEvent(ev, inParts)));
}

export class SseHub {
  /** The open streams, each with whether it takes large events in parts. */
  private readonly clients = new Map<http.ServerResponse, boolean>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly maxUnsentBytes = MAX_UNSENT_BYTES, private readonly maxTotalUnsentBytes = MAX_TOTAL_UNSENT_BYTES,
    heartbeatMs = HEARTBEAT_MS) {
    this.heartbeat = setInterval(() => this.writeAll(() => PING), heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Starts a stream on `res` and sends `initial` (eventBytes, perhaps shared with other streams, in parts when `inParts`
   * says the stream takes them) to it first. */
  open(req: http.IncomingMessage, res: http.ServerResponse, initial: readonly Buffer[], headers: Record<string, string>, inParts = false): void {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    this.dropFurthestBehind(); // before the new client's snapshot: what the others left unsent
    for (const bytes of initial) res.write(bytes);
    this.clients.set(res, inParts);
    const drop = (): void => {
      this.clients.delete(res);
    };
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
  }

  send(events: SseEvent[]): void {
    if (events.length === 0 || this.clients.size === 0) return;
    // bytes: queued for each stream, not encoded for each; each form only when a stream takes it (the page's streams all
    // take parts: the whole form too was formatted at each update, a long run's rows twice, for no stream)
    const bytes = (inParts: boolean): Buffer => Buffer.from(events.map((ev) => formatEvent(ev, inParts)).join(''));
    let whole: Buffer | null = null;
    let parts: Buffer | null = null;
    this.writeAll((inParts) => (inParts ? (parts ??= bytes(true)) : (whole ??= bytes(false))));
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
  }

  /** Writes `text(inParts)` to each stream, `inParts` saying whether the stream takes large events in parts. */
  private writeAll(text: (inParts: boolean) => string | Buffer): void {
    // measured before writing: right after a write every client holds the new bytes, a reader too
    this.dropFurthestBehind();
    for (const [res, inParts] of this.clients) {
      if (res.writableEnded || res.destroyed) continue;
      if (res.writableLength > this.maxUnsentBytes) {
        this.clients.delete(res);
        res.destroy();
      } else res.write(text(inParts));
    }
  }

  /** While the clients' unsent bytes together pass the bound, drops the client with the most. */
  private dropFurthestBehind(): void {
    let total = 0;
    for (const res of this.clients.keys()) total += res.writableLength;
    while (total > this.maxTotalUnsentBytes) {
      let worst: http.ServerResponse | null = null;
      for (const res of this.clients.keys()) if (worst === null || res.writableLength > worst.writableLength) worst = res;
      if (worst === null) return;
      total -= worst.writableLength;
      this.clients.delete(worst);
      worst.destroy();
    }
  }
}
