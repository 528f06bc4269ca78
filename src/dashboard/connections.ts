// The dashboard server's connection limits: how many connections it keeps open at once, and how long one may take to
// send a whole request header. Idle connections cannot shut out the page: at the cap the oldest connection with no
// request in flight (a silent socket, a half-sent header, a keep-alive between requests) is closed to make room, so
// that 256 sockets a local process opens and leaves silent no longer make every new one be refused for ~60 s; an
// /events stream (a request in flight for as long as it is open) is never closed for another. Only when every
// connection has a request in flight is a new one refused: the server then holds no more than `max` responses.
// Streams may take at most `max - reserve` connections (the server answers a stream past that 503), so that open
// pages' streams alone never fill the cap and the page stays reachable; and a response other than a stream that
// makes no write progress for `stallMs` (a client that never reads a large run file) is ended, freeing its slot.
import type * as http from 'node:http';
import type * as net from 'node:net';
import { UserError } from '../util/errors.ts';

export interface ConnectionLimits {
  /** Connections open at once: a few pages (six each at most) and their streams, many times over. */
  max: number;
  /** Milliseconds a connection has to send a whole request header, its first or a later one; then it is answered
   * 408 and closed (node's headersTimeout; a GET has no body, so the whole request is its header). */
  headerMs: number;
  /** Connections /events streams may not take: kept for the page, its assets and run files (0 up to max - 1; when not
   * given, 16, or max - 1 under a cap of 17 or less). */
  reserve: number;
  /** Milliseconds a response other than /events may go without the client taking any of its bytes; then it is ended. */
  stallMs: number;
}

const DEFAULT_RESERVE = 16;
export const CONNECTION_LIMITS: ConnectionLimits = { max: 256, headerMs: 10_000, reserve: DEFAULT_RESERVE, stallMs: 120_000 };

/** `given` over the defaults, or a UserError naming the key (under `name`, the option as its caller writes it) that is no positive whole number (a timer's at most). */
export function connectionLimits(given: Partial<ConnectionLimits> = {}, name = 'connectionLimits'): ConnectionLimits {
  // a key given as undefined takes the default, as an absent one does
  const timers = {
    max: given.max ?? CONNECTION_LIMITS.max,
    headerMs: given.headerMs ?? CONNECTION_LIMITS.headerMs,
    stallMs: given.stallMs ?? CONNECTION_LIMITS.stallMs,
  };
  for (const [key, value] of Object.entries(timers)) {
    if (!(Number.isInteger(value) && value > 0 && value <= 2 ** 31 - 1)) {
      throw new UserError(`must be a positive whole number up to ${2 ** 31 - 1}, got ${value}`, `${name}.${key}`);
    }
  }
  const reserve = given.reserve ?? Math.min(DEFAULT_RESERVE, timers.max - 1);
  if (!(Number.isInteger(reserve) && reserve >= 0 && reserve < timers.max)) {
    throw new UserError(`must be a whole number from 0 to max - 1 (${timers.max - 1}), got ${reserve}`, `${name}.reserve`);
  }
  return { ...timers, reserve };
}

/** The options of http.createServer that bound the time to a whole request header. */
export function serverTimeouts(limits: ConnectionLimits): http.ServerOptions {
  return {
    headersTimeout: limits.headerMs,
    requestTimeout: limits.headerMs,
    // how often node looks for connections past those times (default 30 s: a 10 s bound would be up to 40 s)
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headerMs / 4))),
  };
}

/** Connections past the cap, each with a request in flight on every other, that are answered 503 rather than reset. */
export const OVERFLOW_ANSWERED = 32;

/**
 * Keeps at most `max` connections open on `server`: a new one past it closes the oldest connection with no request
 * in flight, or, when every one has a request in flight, is itself refused: answered 503 (Retry-After) at its first
 * request, up to OVERFLOW_ANSWERED of them at once, else reset. A reset alone left a browser or fetch retrying the
 * connection, waiting with no word until a slot freed (up to stallMs, 120 s). Replaces server.maxConnections, which
 * refuses every new connection at the cap however idle the open ones are. Returns whether a request's connection is
 * one of those refused, which the server's handler answers so.
 */
export function capConnections(server: http.Server, max: number): (req: http.IncomingMessage) => boolean {
  // in the order they came (a Map keeps insertion order): the first idle one found is the oldest
  const inFlight = new Map<net.Socket, number>();
  // refused connections waiting to send their request (bounded in time by the header timeout, in number here)
  const refused = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    if (inFlight.size >= max) {
      let oldestIdle: net.Socket | null = null;
      for (const [s, n] of inFlight) {
        if (n === 0) {
          oldestIdle = s;
          break;
        }
      }
      if (oldestIdle === null) {
        if (refused.size >= OVERFLOW_ANSWERED) return void socket.destroy();
        refused.add(socket);
        socket.once('close', () => refused.delete(socket));
        return;
      }
      inFlight.delete(oldestIdle);
      oldestIdle.destroy();
    }
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  // before the page's own handler, which may end the response at once
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    const n = inFlight.get(socket);
    if (n === undefined) return; // closed meanwhile, or refused
    inFlight.set(socket, n + 1);
    res.once('close', () => {
      const left = inFlight.get(socket);
      if (left !== undefined) inFlight.set(socket, left - 1);
    });
  });
  return (req) => refused.has(req.socket);
}
