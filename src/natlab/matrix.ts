/**
 * The NAT lab's matrix (issue #7), pure: which pairs of sites are tried, which path each pair
 * should end on, and whether a run met the targets. The runner (lab-run.ts) fills in the rows.
 *
 * Each pair is tried from its harder side (the later kind in NAT_KINDS), so that a UDP-blocked
 * site's own relay leg, the one over TCP, is the one its row reports.
 */

import { NAT_KINDS, type NatKind } from './nat-rules.js';

/** How a pair ends up connected. */
export type LabPath = 'direct' | 'relay-udp' | 'relay-tcp';

/** One row of the matrix. */
export interface LabRow {
  /** The site that dialed ("A-symmetric") and the one it reached ("B-public"). */
  readonly a: string;
  readonly b: string;
  readonly connected: boolean;
  readonly path: LabPath | null;
  /** From the start of the attempt until bytes came back over the session. */
  readonly firstByteMs: number | null;
  /** From the start of the attempt until the session ran direct (null: it did not). */
  readonly directAfterMs: number | null;
  /** The path the targets ask for (`direct-90`: direct in at least 90% of runs). */
  readonly expected: LabPath | 'direct-90';
  /** Whether this row meets its target. */
  readonly met: boolean;
}

/**
 * The lab's other cases, each direct by the targets: a NAT behind a NAT (a port-restricted home
 * router behind a port-restricted carrier-grade NAT, both endpoint-independent) against a public
 * host and against a port-restricted NAT; two hosts behind one NAT (their LAN addresses); two
 * sites whose IPv4 NATs are symmetric (so IPv4 alone would be relayed) but which have global
 * IPv6 addresses behind stateful firewalls; a symmetric NAT that maps ports for its hosts
 * (miniupnpd: NAT-PMP) against another symmetric NAT.
 */
export const LAB_EXTRAS: readonly { a: string; b: string; expected: LabPath }[] = [
  { a: 'A-nat-behind-nat', b: 'B-public', expected: 'direct' },
  { a: 'A-nat-behind-nat', b: 'B-port-restricted', expected: 'direct' },
  { a: 'A-same-nat', b: 'B-same-nat', expected: 'direct' },
  { a: 'A-ipv6-firewall', b: 'B-ipv6-firewall', expected: 'direct' },
  { a: 'A-upnp', b: 'B-symmetric', expected: 'direct' },
];

/** The pairs: every two kinds once, the harder one dialing. */
export function labPairs(kinds: readonly NatKind[] = NAT_KINDS): { a: NatKind; b: NatKind }[] {
  const out: { a: NatKind; b: NatKind }[] = [];
  for (let i = 0; i < kinds.length; i++) for (let j = 0; j <= i; j++) out.push({ a: kinds[i] as NatKind, b: kinds[j] as NatKind });
  return out;
}

/**
 * What the targets ask of a pair: relayed over TCP when either side has UDP blocked; relayed
 * when both sides map per destination (symmetric); direct in at least 90% of runs for
 * port-restricted against symmetric; direct otherwise.
 */
export function expectedPath(a: NatKind, b: NatKind): LabPath | 'direct-90' {
  if (a === 'udp-blocked' || b === 'udp-blocked') return 'relay-tcp';
  if (a === 'symmetric' && b === 'symmetric') return 'relay-udp';
  if ((a === 'symmetric' && b === 'port-restricted') || (a === 'port-restricted' && b === 'symmetric')) return 'direct-90';
  return 'direct';
}

/** Whether a row's outcome meets its target (one run of a direct-90 pair counts as met when direct). */
export function meets(expected: LabPath | 'direct-90', connected: boolean, path: LabPath | null): boolean {
  if (!connected || path === null) return false;
  return expected === 'direct-90' ? path === 'direct' : path === expected;
}

/** The run's summary: connectivity, rows on target, and the time to the first byte (p50, max). */
export function summarize(rows: readonly LabRow[]): { pairs: number; connected: number; met: number; firstByteP50Ms: number | null; firstByteMaxMs: number | null } {
  const times = rows.flatMap((r) => (r.firstByteMs === null ? [] : [r.firstByteMs])).sort((x, y) => x - y);
  return {
    pairs: rows.length,
    connected: rows.filter((r) => r.connected).length,
    met: rows.filter((r) => r.met).length,
    firstByteP50Ms: times.length === 0 ? null : (times[Math.floor((times.length - 1) / 2)] as number),
    firstByteMaxMs: times.length === 0 ? null : (times[times.length - 1] as number),
  };
}
