/**
 * A seeded, virtual-time network of sans-I/O protocol nodes addressed by id (the layer above
 * secure sessions: what one node sends another arrives, or is lost, after a delay). Nodes run
 * their real code; the network owns the clock, the timers and the links, so a seed replays a
 * run exactly and hours of protocol time take seconds. Counts every byte each node sends and
 * receives, with the session layer's per-packet overhead.
 */

import { TRANSPORT_OVERHEAD_BYTES } from '../transport/packet.js';
import { Prng } from '../util/prng.js';
import { TimeHeap } from './heap.js';

/** What the network needs of a node. */
export interface SimNode {
  readonly id: string;
  handle(from: string, bytes: Uint8Array, now: number): void;
  handleTimeout(now: number): void;
  nextDeadline(): number | null;
  poll(): { to: string; bytes: Uint8Array } | null;
}

/** How links behave (the same for every pair). */
export interface SimLinks {
  /** One-way delay, milliseconds. */
  readonly delayMs: number;
  /** Extra delay, uniform in [0, jitterMs). */
  readonly jitterMs: number;
  /** Probability a message is lost. */
  readonly loss: number;
}

/** Bytes a node sent and received (payload plus TRANSPORT_OVERHEAD_BYTES per message). */
export interface Traffic {
  sentBytes: number;
  receivedBytes: number;
  sentMessages: number;
}

/** Events processed at most by one run() call; a run that would exceed it stops (a livelock guard). */
export const SIM_EVENTS_MAX = 50_000_000;

type Event = { kind: 'deliver'; from: string; to: string; bytes: Uint8Array } | { kind: 'timer'; id: string; version: number };

/** Nodes on one virtual network. */
export class MessageNetwork {
  now = 0;
  private readonly rng: Prng;
  private readonly nodes = new Map<string, { node: SimNode; version: number; traffic: Traffic }>();
  private readonly events = new TimeHeap<Event>();
  /** Links cut by partition(): a message between the two groups is lost. */
  private readonly cut = new Set<string>();
  lost = 0;

  constructor(
    seed: number,
    private links: SimLinks,
  ) {
    this.rng = new Prng(seed);
  }

  /** Adds a node (it runs from now on). */
  add(node: SimNode): void {
    this.nodes.set(node.id, { node, version: 0, traffic: { sentBytes: 0, receivedBytes: 0, sentMessages: 0 } });
    this.drain(node.id);
  }

  /** Removes a node at once, as a crash: it sends nothing more and what reaches it is lost. */
  kill(id: string): void {
    this.nodes.delete(id);
  }

  /** Whether a node is running. */
  has(id: string): boolean {
    return this.nodes.has(id);
  }

  /** The traffic of a node. */
  traffic(id: string): Traffic | undefined {
    return this.nodes.get(id)?.traffic;
  }

  /** Changes the links from now on. */
  setLinks(links: SimLinks): void {
    this.links = links;
  }

  /** Lets `node` act on what it queued (call after feeding it from outside the network). */
  drain(id: string): void {
    const n = this.nodes.get(id);
    if (!n) return;
    for (let o = n.node.poll(); o; o = n.node.poll()) {
      n.traffic.sentBytes += o.bytes.length + TRANSPORT_OVERHEAD_BYTES;
      n.traffic.sentMessages++;
      if (this.rng.chance(this.links.loss) || this.cut.has(`${id}>${o.to}`)) {
        this.lost++;
        continue;
      }
      const at = this.now + this.links.delayMs + (this.links.jitterMs > 0 ? this.rng.float() * this.links.jitterMs : 0);
      this.events.push(at, { kind: 'deliver', from: id, to: o.to, bytes: o.bytes });
    }
    const due = n.node.nextDeadline();
    n.version++;
    if (due !== null) this.events.push(Math.max(due, this.now), { kind: 'timer', id, version: n.version });
  }

  /** Loses every message between the nodes of `a` and those of `b` (both ways) until heal(). */
  partition(a: readonly string[], b: readonly string[]): void {
    for (const x of a) for (const y of b) this.cut.add(`${x}>${y}`).add(`${y}>${x}`);
  }

  /** Ends every partition. */
  heal(): void {
    this.cut.clear();
  }

  /** Runs until virtual time `until` (ms). */
  run(until: number): void {
    let processed = 0;
    for (let at = this.events.peekAt(); at !== null && at <= until; at = this.events.peekAt()) {
      if (++processed > SIM_EVENTS_MAX) throw new Error(`more than ${SIM_EVENTS_MAX} events before ${until} ms: a livelock?`);
      const e = (this.events.pop() as { at: number; value: Event }).value;
      this.now = at;
      if (e.kind === 'deliver') {
        const n = this.nodes.get(e.to);
        if (!n) continue;
        n.traffic.receivedBytes += e.bytes.length + TRANSPORT_OVERHEAD_BYTES;
        n.node.handle(e.from, e.bytes, at);
        this.drain(e.to);
      } else {
        const n = this.nodes.get(e.id);
        if (!n || n.version !== e.version) continue;
        n.node.handleTimeout(at);
        this.drain(e.id);
      }
    }
    this.now = Math.max(this.now, until);
  }
}
