/**
 * An in-memory network on virtual time with seeded delay, jitter, loss, duplication and
 * reordering: endpoints exchange datagrams without sockets, and a seed replays a run exactly. For
 * tests now and for the simulator later.
 */

import { Prng } from '../../util/prng.js';
import type { PeerAddress, SessionEndpoint, SessionEvent } from '../endpoint.js';

/** How the network treats every datagram. */
export interface LinkConditions {
  /** One-way delay, milliseconds. */
  readonly delayMs: number;
  /** Extra delay, uniform in [0, jitterMs). */
  readonly jitterMs: number;
  /** Probability a datagram is lost. */
  readonly loss: number;
  /** Probability a datagram arrives twice. */
  readonly duplicate: number;
  /** Probability a datagram is held back (another delayMs), so later ones overtake it. */
  readonly reorder: number;
}

/** A perfect link with 10 ms of delay. */
export const PERFECT_LINK: LinkConditions = Object.freeze({ delayMs: 10, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 });
/** Datagrams in flight at most; beyond it new ones are dropped and counted. */
export const IN_FLIGHT_MAX = 1_000_000;

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly from: PeerAddress;
  readonly to: PeerAddress;
  readonly bytes: Uint8Array;
}

/** Counters of a run. */
export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  overflow: number;
}

/** Endpoints on one virtual network. */
export class MemoryNetwork {
  now = 0;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, overflow: 0 };
  private readonly rng: Prng;
  private readonly conditions: LinkConditions;
  private readonly nodes = new Map<PeerAddress, { endpoint: SessionEndpoint; onEvent: (e: SessionEvent) => void }>();
  private flight: InFlight[] = [];
  private seq = 0;

  constructor(seed: number, conditions: Partial<LinkConditions> = {}) {
    this.rng = new Prng(seed);
    this.conditions = { ...PERFECT_LINK, ...conditions };
  }

  /** Puts an endpoint on the network at `address`. */
  attach(address: PeerAddress, endpoint: SessionEndpoint, onEvent: (e: SessionEvent) => void = () => {}): void {
    this.nodes.set(address, { endpoint, onEvent });
  }

  /** Delivers what endpoints have to say and runs their timers, up to virtual time `until`. */
  runUntil(until: number): void {
    this.pumpAll();
    for (;;) {
      const nextFlight = this.flight[0]?.at ?? Infinity;
      let nextTimer = Infinity;
      for (const n of this.nodes.values()) nextTimer = Math.min(nextTimer, n.endpoint.nextDeadline() ?? Infinity);
      const next = Math.min(nextFlight, nextTimer);
      if (next > until) break;
      this.now = Math.max(this.now, next);
      if (nextFlight <= nextTimer) {
        const d = this.flight.shift() as InFlight;
        const node = this.nodes.get(d.to);
        if (node) {
          this.stats.delivered++;
          node.endpoint.handle(d.bytes, d.from, this.now);
        }
      } else {
        for (const n of this.nodes.values()) if ((n.endpoint.nextDeadline() ?? Infinity) <= this.now) n.endpoint.handleTimeout(this.now);
      }
      this.pumpAll();
    }
    this.now = Math.max(this.now, until);
  }

  private pumpAll(): void {
    for (const [address, n] of this.nodes) {
      for (let o = n.endpoint.poll(); o; o = n.endpoint.poll()) {
        if (o.type === 'event') n.onEvent(o.event);
        else this.transmit(address, o.to, o.bytes);
      }
    }
  }

  private transmit(from: PeerAddress, to: PeerAddress, bytes: Uint8Array): void {
    const c = this.conditions;
    this.stats.sent++;
    if (this.rng.chance(c.loss)) {
      this.stats.lost++;
      return;
    }
    const copies = this.rng.chance(c.duplicate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      if (this.flight.length >= IN_FLIGHT_MAX) {
        this.stats.overflow++;
        return;
      }
      const delay = c.delayMs + this.rng.float() * c.jitterMs + (this.rng.chance(c.reorder) ? c.delayMs : 0);
      this.insert({ at: this.now + delay, seq: this.seq++, from, to, bytes });
    }
  }

  /** Keeps the flight sorted by arrival time, then by sending order. */
  private insert(d: InFlight): void {
    let lo = 0;
    let hi = this.flight.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.flight[mid] as InFlight;
      if (m.at < d.at || (m.at === d.at && m.seq < d.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.flight.splice(lo, 0, d);
  }
}
