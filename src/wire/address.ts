/**
 * IP address bytes <-> canonical text. IPv6 text follows RFC 5952 (lowercase, longest zero run
 * compressed, leftmost on ties, a single zero group never compressed, IPv4-mapped in mixed form),
 * so that decode(encode(x)) == x holds for every canonical address.
 */

import { isIPv4, isIPv6 } from 'node:net';

/** Parses a dotted quad or IPv6 text (no zone id) to 4 or 16 bytes; null if it is neither. */
export function parseIp(host: string): Uint8Array | null {
  if (isIPv4(host)) return parseIPv4(host);
  if (!isIPv6(host) || host.includes('%')) return null;
  return parseIPv6(host);
}

function parseIPv4(text: string): Uint8Array {
  const out = new Uint8Array(4);
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) out[i] = Number(parts[i]);
  return out;
}

function parseIPv6(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let head = text;
  let tailV4: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    const v4 = text.slice(lastColon + 1);
    if (!isIPv4(v4)) return null;
    tailV4 = parseIPv4(v4);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groupsOf(halves[0] ?? '');
  const right = halves.length > 1 ? groupsOf(halves[1] ?? '') : [];
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) return null;
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i] ?? '', 16);
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  }
  if (tailV4) out.set(tailV4, 12);
  return out;
}

/** Formats 4 or 16 address bytes as canonical text. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = ((bytes[2 * i] as number) << 8) | (bytes[2 * i + 1] as number);
  // RFC 5952 section 5: ::ffff:0:0/96 (IPv4-mapped) is written with the dotted quad.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // Section 4.2: the longest run of two or more zero groups becomes "::", the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    text += (groups[i] as number).toString(16);
    if (i < 7) text += ':';
  }
  return text;
}

/** The canonical text of a host, or null if it is not an IP address. */
export function canonicalHost(host: string): string | null {
  const bytes = parseIp(host);
  return bytes ? formatIp(bytes) : null;
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses `host:port` or `[v6]:port`; null when malformed. */
export function parseEndpoint(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(0|[1-9]\d{0,4})$/.exec(text);
  if (!m) return null;
  const host = canonicalHost(m[1] ?? m[2] ?? '');
  const port = Number(m[3]);
  if (host === null || port > 0xffff) return null;
  // Brackets exactly around IPv6 hosts.
  if (host.includes(':') !== (m[1] !== undefined)) return null;
  return { host, port };
}
