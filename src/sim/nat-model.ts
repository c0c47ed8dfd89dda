/**
 * The NAT lab's behaviours (natlab/nat-rules.ts, RFC 4787) as an in-memory model, for fast seeded
 * tests: what a router of each kind does to a UDP packet going out and to one coming in. Pure and
 * seeded: time comes in as `now`, the ports a NAT picks from a Prng. The real kernel in the lab is
 * the reference; test/sim/nat-model.test.ts checks that the model classifies as the lab does and
 * connects the same pairs.
 *
 * - `public`: no NAT.
 * - `full-cone`: one external port per internal endpoint (the internal port when it is free),
 *   anyone may send to it.
 * - `address-restricted`: the same mapping; in only from addresses the inside has sent to.
 * - `port-restricted`: the same mapping; in only from address and port the inside has sent to.
 * - `symmetric`: a new random external port per internal endpoint and destination; in only from
 *   that destination.
 * - `udp-blocked`: nothing out, nothing in.
 *
 * Entries not used for UDP_FLOW_TIMEOUT_MS are forgotten (Linux's UDP conntrack timeout).
 */

import type { NatKind } from '../natlab/nat-rules.js';
import type { Prng } from '../util/prng.js';

/** Linux forgets a UDP flow this long after its last packet (30 s; 120 s once it went both ways, not modelled). */
export const UDP_FLOW_TIMEOUT_MS = 30_000;
/** Ports a NAT hands out. */
const PORT_MIN = 1024;
const PORT_MAX = 65_535;

export interface ModelEndpoint {
  readonly host: string;
  readonly port: number;
}

interface Mapping {
  readonly internal: ModelEndpoint;
  readonly external: number;
  /** Remote endpoints ("host:port") and hosts the inside has sent to through this mapping, with when. */
  readonly sentTo: Map<string, number>;
  readonly sentToHost: Map<string, number>;
  lastUsed: number;
}

const key = (e: ModelEndpoint): string => `${e.host}:${e.port}`;

/** One router's NAT. */
export class NatModel {
  /** Mappings by external port. */
  private readonly byExternal = new Map<number, Mapping>();
  /** Mappings by internal endpoint (and, for symmetric, destination). */
  private readonly byInternal = new Map<string, Mapping>();

  constructor(
    readonly kind: NatKind,
    readonly publicHost: string,
    private readonly rng: Prng,
  ) {}

  /** Mappings held now (expired ones included until touched). */
  get size(): number {
    return this.byExternal.size;
  }

  /** A packet from `src` (inside) to `dst`: the source the outside sees, or null when it is dropped. */
  outbound(src: ModelEndpoint, dst: ModelEndpoint, now: number): ModelEndpoint | null {
    if (this.kind === 'public') return src;
    if (this.kind === 'udp-blocked') return null;
    const k = this.kind === 'symmetric' ? `${key(src)}>${key(dst)}` : key(src);
    let m = this.byInternal.get(k);
    if (m && now - m.lastUsed >= UDP_FLOW_TIMEOUT_MS) {
      this.forget(k, m);
      m = undefined;
    }
    if (!m) {
      const external = this.kind === 'symmetric' || this.byExternal.has(src.port) ? this.freePort() : src.port;
      m = { internal: src, external, sentTo: new Map(), sentToHost: new Map(), lastUsed: now };
      this.byInternal.set(k, m);
      this.byExternal.set(external, m);
    }
    m.lastUsed = now;
    m.sentTo.set(key(dst), now);
    m.sentToHost.set(dst.host, now);
    return { host: this.publicHost, port: m.external };
  }

  /** A packet from `from` (outside) to this NAT's port `toPort`: the inside endpoint it reaches, or null when it is filtered. */
  inbound(from: ModelEndpoint, toPort: number, now: number): ModelEndpoint | null {
    if (this.kind === 'udp-blocked') return null;
    if (this.kind === 'public') return { host: this.publicHost, port: toPort };
    const m = this.byExternal.get(toPort);
    if (!m || now - m.lastUsed >= UDP_FLOW_TIMEOUT_MS) return null;
    const fresh = (at: number | undefined): boolean => at !== undefined && now - at < UDP_FLOW_TIMEOUT_MS;
    const allowed = this.kind === 'full-cone' || (this.kind === 'address-restricted' ? fresh(m.sentToHost.get(from.host)) : fresh(m.sentTo.get(key(from))));
    if (!allowed) return null;
    m.lastUsed = now;
    return m.internal;
  }

  private freePort(): number {
    for (;;) {
      const p = this.rng.int(PORT_MIN, PORT_MAX);
      if (!this.byExternal.has(p)) return p;
    }
  }

  private forget(k: string, m: Mapping): void {
    this.byInternal.delete(k);
    if (this.byExternal.get(m.external) === m) this.byExternal.delete(m.external);
  }
}

/**
 * Two sites on a model internet: each a host behind a NAT model (or public). `send(side, src,
 * dst)` carries one packet from a host's socket to a public endpoint and returns the endpoint (on
 * the other host) it reached, with the source it appears to come from, or null.
 */
export class ModelInternet {
  constructor(private readonly nats: Record<'a' | 'b', NatModel>) {}

  send(side: 'a' | 'b', src: ModelEndpoint, dst: ModelEndpoint, now: number): { at: ModelEndpoint; from: ModelEndpoint } | null {
    const out = this.nats[side].outbound(src, dst, now);
    if (!out) return null;
    const other = this.nats[side === 'a' ? 'b' : 'a'];
    if (dst.host !== other.publicHost) return null;
    const at = other.inbound(out, dst.port, now);
    return at ? { at, from: out } : null;
  }
}
