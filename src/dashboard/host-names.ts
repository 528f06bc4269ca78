// What the dashboard may listen on (--host, startDashboard's host) and the extra names it may answer (--allow-host,
// allowHosts), checked without the server: dashboard's flags (src/cli/dashboard-flags.ts) refuse a bad one before
// the server and its modules load.
import * as net from 'node:net';
import { domainToASCII } from 'node:url';

/**
 * Why `host` cannot be listened on, or null: an IP address, or a host name of letters, digits, hyphens (and
 * underscores) between dots. Anything else (`a b`, `http://box`) was warned of as "listening on a b" and then failed
 * to resolve; an IPv6 address in brackets is the URL's spelling, which listen does not take.
 */
export function hostProblem(host: string): string | null {
  if (net.isIP(host) !== 0) return null;
  if (host.startsWith('[') && host.endsWith(']') && net.isIP(host.slice(1, -1)) === 6) return `"${host}" is an IPv6 address in brackets: give it without them (${host.slice(1, -1)})`;
  const label = '[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
  if (host.length <= 253 && new RegExp(`^${label}(\\.${label})*\\.?$`).test(host)) return null;
  return `${JSON.stringify(host)} is no address or host name: give one such as 127.0.0.1 (this machine only), 0.0.0.0 (every network) or ::1`;
}

/**
 * `host` as the dashboard listens on it, prints it and compares it: an IPv4 address in a short form that the system's
 * resolver and a browser both read as one (`0`, `127.1`, `0x7f.1`, `2130706433`) as its dotted quad, and a name in
 * lower case. `--host 0` listened on every address yet was warned of and printed as the name "0" (the URL
 * http://0:PORT/, a Host the check refused); `--host 127.1` and `--host LOCALHOST` were warned of as reachable from the
 * network. Call it on a host hostProblem accepted, or a name allowHostProblem accepted (--allow-host 127.2, MyBox.Lan);
 * an IP address is returned as given.
 */
export function canonicalHost(host: string): string {
  if (net.isIP(host) !== 0) return host;
  try {
    const parsed = new URL(`http://${host}/`).hostname;
    if (net.isIP(parsed) === 4) return parsed;
    // an international name as a browser sends it in the Host header: its ASCII form (bücher.lan: xn--bcher-kva.lan)
    if (/[^\x00-\x7f]/.test(host)) return parsed;
  } catch {
    // not a URL's host (e.g. 999.1): left to listen, which names it in its refusal
  }
  return host.toLowerCase();
}

/**
 * Why `name` cannot be one of the extra names answered (allowHosts, --allow-host), or null. A port is refused, not
 * dropped: the check compares names only, so `mybox.lan:8765` would never match and every request would get 403.
 */
export function allowHostProblem(name: string): string | null {
  if (name.trim() === '' || /[\s/@]/.test(name)) return `"${name}" is no host name or address; give one such as mybox.lan`;
  const port = /^(\[[^\]]*\]|[^:]+):\d*$/.exec(name);
  if (port) return `"${name}" has a port; give the name alone (${port[1]}): the Host check compares names, whatever the port`;
  // a name no Host header holds (a list, a wildcard, -box, a..b) was taken and matched no request: each refused, 403
  const listed = name.split(',').filter(Boolean);
  if (listed.length > 1) return `"${name}" is no host name or address: give one name each time (${listed.join(', then ')})`;
  if (name.includes('*')) return `"${name}" is no host name or address: there are no wildcards, give each name`;
  const bare = /^\[(.*)\]$/.exec(name)?.[1] ?? name;
  if (net.isIP(bare) === 0 && hostProblem(domainToASCII(name) || name) !== null) return `"${name}" is no host name or address; give one such as mybox.lan`;
  return null;
}
