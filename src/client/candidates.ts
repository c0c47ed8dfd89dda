/**
 * A device's address candidates for direct sessions (DESIGN.md, "NAT traversal"), as its record
 * publishes them ("udp:host:port"), and the order another device dials them in. Pure functions:
 * the interfaces and the reflexive answers come in.
 *
 * Host candidates: every interface address, IPv4 and IPv6, except IPv6 link-local (useless
 * without a zone) and loopback, which is published only on a network whose supernodes are on
 * loopback (a local test network: `parley dev up`), where every device is on this host.
 * Server-reflexive candidates (the address a supernode saw, from STUN) follow, when they differ
 * from every host candidate (a device behind NAT).
 */

import type { NetworkInterfaceInfo } from 'node:os';

import { USER_RECORD_CANDIDATES_MAX } from '../overlay/user-record.js';
import { canonicalHost, formatEndpoint, parseIp } from '../wire/address.js';

/** Reflexive candidates published at most (one per supernode asked). */
export const REFLEXIVE_CANDIDATES_MAX = 2;
/** Host candidates published at most (the rest of the record's room). */
export const HOST_CANDIDATES_MAX = USER_RECORD_CANDIDATES_MAX - REFLEXIVE_CANDIDATES_MAX;

/** A candidate's text ("udp:203.0.113.5:4000", "udp:[2001:db8::1]:4000"). */
export const candidateText = (host: string, port: number): string => `udp:${formatEndpoint(host, port)}`;

/** Whether an address is loopback (127/8, ::1). */
export function isLoopback(host: string): boolean {
  const ip = parseIp(host);
  if (!ip) return false;
  if (ip.length === 4) return ip[0] === 127;
  return ip.every((b, i) => (i === 15 ? b === 1 : b === 0));
}

const isLinkLocalV6 = (ip: Uint8Array): boolean => ip.length === 16 && ip[0] === 0xfe && ((ip[1] as number) & 0xc0) === 0x80;

/** The host candidates of a socket bound to every address on `port`. */
export function hostCandidates(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>, port: number, options: { loopback: boolean; ipv6: boolean }): string[] {
  const found: { text: string; rank: number }[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      const host = canonicalHost(info.address);
      const ip = host === null ? null : parseIp(host);
      if (host === null || ip === null || isLinkLocalV6(ip)) continue;
      if (ip.length === 16 && !options.ipv6) continue;
      const loop = isLoopback(host);
      if (loop && !options.loopback) continue;
      // IPv4 before IPv6 (more often routable between two sites today), loopback last.
      found.push({ text: candidateText(host, port), rank: (loop ? 2 : 0) + (ip.length === 16 ? 1 : 0) });
    }
  }
  const ordered = found.sort((a, b) => a.rank - b.rank).map((c) => c.text);
  return [...new Set(ordered)].slice(0, HOST_CANDIDATES_MAX);
}

/** Host candidates and then the reflexive addresses not among them, within the record's limit. */
export function allCandidates(host: readonly string[], reflexive: readonly { host: string; port: number }[]): string[] {
  const out = [...host];
  for (const r of reflexive.slice(0, REFLEXIVE_CANDIDATES_MAX)) {
    const h = canonicalHost(r.host);
    if (h === null) continue;
    const text = candidateText(h, r.port);
    if (!out.includes(text)) out.push(text);
  }
  return out.slice(0, USER_RECORD_CANDIDATES_MAX);
}

/** The UDP addresses to dial from a record's candidates, in its order, without the ones this device cannot reach (IPv6 without IPv6). */
export function dialOrder(candidates: readonly string[], options: { ipv6: boolean }): { host: string; port: number }[] {
  const out: { host: string; port: number }[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const m = /^udp:(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(c);
    if (!m) continue;
    const host = canonicalHost(m[1] ?? m[2] ?? '');
    const port = Number(m[3]);
    if (host === null || port === 0 || port > 0xffff) continue;
    if (host.includes(':') && !options.ipv6) continue;
    const key = formatEndpoint(host, port);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ host, port });
  }
  return out;
}
