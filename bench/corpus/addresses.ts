/**
 * Plausible Internet addresses: public IPv4 in ISP and hosting ranges, global IPv6 /64 prefixes
 * with privacy interface ids (RFC 8981), home and carrier LAN addresses, NAT ports, and ICE
 * candidate priorities.
 */

import { canonicalHost } from '../../src/wire/index.js';
import type { Prng } from '../../src/util/prng.js';

/** Default supernode port. */
export const SUPERNODE_PORT = 33033;
/** Fallback supernode port for networks that only let TLS through. */
export const TLS_PORT = 443;

// First octets of large access-ISP and mobile allocations (no private, shared or reserved ranges).
const ACCESS_V4_FIRST_OCTETS = [24, 31, 37, 46, 62, 67, 73, 77, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 98, 108, 109, 151, 176, 178, 185, 188, 212, 213, 217];
// First octets of hosting ranges, where supernodes with good uplinks live.
const HOSTING_V4_FIRST_OCTETS = [5, 23, 45, 51, 78, 88, 95, 136, 138, 144, 157, 159, 162, 167, 168, 116, 178, 188, 193, 195];

/** Allocations of access ISPs (the first 32 bits; a household gets a /56 and uses one /64). */
const ISP_V6_PREFIXES = ['2a02:8108', '2003:e2', '2a01:e0a', '2600:1700', '2605:a601', '2001:16b8', '2a00:23c6', '2a02:a46b', '2601:600', '240e:3b4', '2400:4050', '2a01:cb00'];
/** Mobile carriers: each phone gets its own /64. */
const MOBILE_V6_PREFIXES = ['2a01:598', '2607:fb90', '2a02:3030', '2600:380', '2a00:20', '2409:10'];
/** Hosting providers of supernodes. */
const HOSTING_V6_PREFIXES = ['2a01:4f8', '2a01:4f9', '2a03:b0c0', '2600:3c00', '2001:41d0', '2604:a880'];
/** Common home-router LANs. */
const LAN_V4_PREFIXES = ['192.168.0', '192.168.1', '192.168.178', '192.168.2', '192.168.8', '10.0.0', '10.0.1', '192.168.86'];

/** A public IPv4 address of an access ISP or a mobile carrier. */
export function accessIPv4(prng: Prng): string {
  return `${prng.pick(ACCESS_V4_FIRST_OCTETS)}.${prng.int(0, 255)}.${prng.int(0, 255)}.${prng.int(1, 254)}`;
}

/** A public IPv4 address in a hosting range. */
export function hostingIPv4(prng: Prng): string {
  return `${prng.pick(HOSTING_V4_FIRST_OCTETS)}.${prng.int(0, 255)}.${prng.int(0, 255)}.${prng.int(1, 254)}`;
}

/** A /64 prefix as its first four hex groups: an ISP, carrier or hosting allocation plus a subnet. */
export function ipv6Prefix64(prng: Prng, kind: 'home' | 'mobile' | 'hosting'): string {
  const allocation = prng.pick(kind === 'home' ? ISP_V6_PREFIXES : kind === 'mobile' ? MOBILE_V6_PREFIXES : HOSTING_V6_PREFIXES);
  const groups = allocation.split(':');
  while (groups.length < 3) groups.push(hex16(prng));
  // Homes use the first /64 of their /56 more often than not.
  groups.push(kind === 'home' && prng.chance(0.6) ? `${prng.int(0, 0xff).toString(16)}00` : hex16(prng));
  return groups.join(':');
}

/** An address of a /64 with a random (privacy) interface id, in canonical text. */
export function privacyAddress(prefix64: string, prng: Prng): string {
  return canonical(`${prefix64}:${hex16(prng)}:${hex16(prng)}:${hex16(prng)}:${hex16(prng)}`);
}

/** A server address of a hosting /64: small interface ids, as operators number their hosts. */
export function serverIPv6(prefix64: string, prng: Prng): string {
  return canonical(`${prefix64}::${prng.int(1, 0x1ff).toString(16)}`);
}

/** A home LAN prefix (the first three octets). */
export function lanPrefix(prng: Prng): string {
  return prng.pick(LAN_V4_PREFIXES);
}

/** A carrier-side private IPv4 address of a phone on mobile data. */
export function carrierPrivateIPv4(prng: Prng): string {
  return `10.${prng.int(0, 255)}.${prng.int(0, 255)}.${prng.int(1, 254)}`;
}

/** An ephemeral port as NATs and operating systems hand them out. */
export function ephemeralPort(prng: Prng): number {
  return prng.chance(0.7) ? prng.int(49152, 65535) : prng.int(1024, 49151);
}

/** ICE type preferences (RFC 8445 section 5.1.2.2). */
export const TYPE_PREFERENCE = { host: 126, srflx: 100, relay: 0 } as const;

/**
 * ICE candidate priority (RFC 8445 section 5.1.2.1) for component 1: IPv6 ranks above IPv4
 * (RFC 8421), and earlier addresses of a family above later ones.
 */
export function icePriority(type: keyof typeof TYPE_PREFERENCE, ipv6: boolean, index: number): number {
  const localPreference = (ipv6 ? 60000 : 30000) - 10 * index;
  return TYPE_PREFERENCE[type] * 2 ** 24 + localPreference * 2 ** 8 + (256 - 1);
}

function hex16(prng: Prng): string {
  return prng.int(0, 0xffff).toString(16);
}

function canonical(host: string): string {
  const c = canonicalHost(host);
  if (c === null) throw new Error(`not an IP address: ${host}`);
  return c;
}
