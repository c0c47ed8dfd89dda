/**
 * What a device learns of its NAT from two or more STUN binding servers (RFC 4787 section 4.1;
 * NATLAB.md: "ask two supernodes for your reflexive address"), sent from one local socket: the
 * same reflexive address from every server means endpoint-independent mapping (hole punching
 * works with its reflexive candidate), different ones endpoint-dependent (symmetric: the
 * candidate the others see is useless to a third party), the socket's own address no NAT, no
 * answer at all UDP blocked. Pure.
 */

import type { StunAddress } from '../stun/attributes.js';
import { canonicalHost } from '../wire/address.js';

/** The mapping behaviour seen. */
export const MAPPING_BEHAVIOURS = ['no-nat', 'endpoint-independent', 'endpoint-dependent', 'udp-blocked', 'unknown'] as const;
export type MappingBehaviour = (typeof MAPPING_BEHAVIOURS)[number];

const same = (a: StunAddress, b: StunAddress): boolean => canonicalHost(a.host) === canonicalHost(b.host) && a.port === b.port;

/**
 * Classifies the answers (null: that server did not answer) of servers at different addresses
 * to one socket bound to `localPort` on a host with `localHosts`. One answer tells only whether
 * there is a NAT at all ('no-nat' or 'unknown').
 */
export function classifyMapping(answers: readonly (StunAddress | null)[], localHosts: readonly string[], localPort: number): MappingBehaviour {
  const got = answers.filter((a): a is StunAddress => a !== null);
  const first = got[0];
  if (!first) return 'udp-blocked';
  if (got.every((a) => same(a, first)) && isLocal(first, localHosts, localPort)) return 'no-nat';
  if (got.length < 2) return 'unknown';
  return got.every((a) => same(a, first)) ? 'endpoint-independent' : 'endpoint-dependent';
}

function isLocal(a: StunAddress, localHosts: readonly string[], localPort: number): boolean {
  const h = canonicalHost(a.host);
  return a.port === localPort && localHosts.some((l) => canonicalHost(l) === h);
}
